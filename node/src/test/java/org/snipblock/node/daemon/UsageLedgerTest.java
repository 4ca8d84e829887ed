package org.snipblock.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.node.testing.MemoryVolumeManager;
import org.snipblock.store.VolumeSpec;

/**
 * The usage ledger over real meters and a volume manager: each "run" is a fresh set of meters, as
 * after a node restart, over the same data directory.
 */
class UsageLedgerTest {
  @TempDir Path dir;
  private final MemoryVolumeManager volumes = new MemoryVolumeManager();
  /**
   * Every ledger a test opened, closed after it even when it failed or left one open on purpose (a
   * crash): an open ledger saves every 10 s, into a directory JUnit has deleted by then, for as long
   * as the test JVM runs.
   */
  private final List<UsageLedger> opened = new ArrayList<>();

  /** A run of the node: its meters and its ledger over {@code dir}. */
  private record Run(IoMeters meters, UsageLedger ledger) {}

  private Run run() {
    IoMeters meters = new IoMeters(new SimpleMeterRegistry());
    UsageLedger ledger = UsageLedger.open(dir, meters, volumes::show);
    opened.add(ledger);
    return new Run(meters, ledger);
  }

  @AfterEach
  void closeLedgers() {
    opened.forEach(UsageLedger::close);
  }

  private void io(Run run, String door, String volume, int writes, int reads) {
    BlockDevice d = new MeteredCatalog(volumes, run.meters(), door).open(volume).orElseThrow();
    for (int i = 0; i < writes; i++) {
      d.write(0, ByteBuffer.allocate(4096), false).join();
    }
    for (int i = 0; i < reads; i++) {
      d.read(0, ByteBuffer.allocate(512)).join();
    }
  }

  @Test
  void countsSurviveARestartAndAddUp() throws Exception {
    volumes.create(VolumeSpec.of("a", 1 << 20));
    Run first = run();
    io(first, "nbd", "a", 3, 2);
    io(first, "forwarded", "a", 5, 5);   // counted at the door that sent it, not here
    first.ledger().close();

    Run second = run();
    assertThat(second.ledger().clientIo("a")).isEqualTo(VolumeIo.newBuilder().setWrites(3).setWrittenBytes(3 * 4096)
        .setReads(2).setReadBytes(1024).build());
    io(second, "iscsi", "a", 1, 0);
    assertThat(second.ledger().clientIo("a").getWrites()).isEqualTo(4);
    second.ledger().save();

    // a crash after that save: the third run starts from what was saved
    Run third = run();
    assertThat(third.ledger().clientIo("a").getWrittenBytes()).isEqualTo(4 * 4096);
    third.ledger().close();
    assertThat(Files.readString(dir.resolve(UsageLedger.FILE))).contains("\"a\"").contains("\"writes\" : 4");
  }

  @Test
  void aVolumeCreatedAgainUnderADeletedOnesNameStartsFromZero() throws Exception {
    volumes.create(VolumeSpec.of("a", 1 << 20));
    Run first = run();
    io(first, "nbd", "a", 2, 0);
    first.ledger().close();
    volumes.delete("a");

    Run second = run();
    assertThat(second.ledger().clientIo("a").getWrites()).as("a deleted volume's record is kept").isEqualTo(2);
    second.ledger().save();
    assertThat(Files.readString(dir.resolve(UsageLedger.FILE))).contains("\"writes\" : 2");
    volumes.create(VolumeSpec.of("a", 1 << 20));
    assertThat(second.ledger().clientIo("a").getWrites()).isZero();
    second.ledger().close();
    assertThat(run().ledger().clientIo("a").getWrites()).isZero();
  }

  @Test
  void anUnreadableFileStopsTheNodeWithOneLineAndIsLeftAsItWas() throws Exception {
    Path file = dir.resolve(UsageLedger.FILE);
    for (String bad : new String[] {"not json", "{\"version\":2,\"volumes\":{}}", "{\"version\":1}",
        "{\"version\":1,\"volumes\":{\"a\":{\"id\":1,\"reads\":-5}}}",
        "{\"version\":1,\"volumes\":{\"a\":{\"id\":1,\"colour\":\"red\"}}}", "{\"version\":1,\"volumes\":{\"a\":null}}",
        "[]", ""}) {
      Files.writeString(file, bad);
      assertThatThrownBy(this::run).as(bad).isInstanceOf(OperatorError.class)
          .hasMessageStartingWith("cannot read the usage counts in " + file + ": ")
          .hasMessageEndingWith(" (move it away to start metering from zero)")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
      assertThat(Files.readString(file)).isEqualTo(bad);
    }
  }
}
