package org.snipblock.node.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.store.VolumeInfo;

/** Hourly metering driven tick by tick with set times, over a data directory that outlives each "run". */
class UsageHoursTest {
  private static final Instant TEN = Instant.parse("2026-12-07T10:00:00Z");
  private static final long H10 = TEN.getEpochSecond();
  private static final long H11 = H10 + 3600;

  @TempDir Path dir;

  /** The node as metering sees it: volumes with their space, I/O totals, owners, and which are held here. */
  private static final class Node implements UsageSources {
    final Map<String, VolumeInfo> volumes = new HashMap<>();
    final Map<String, VolumeIo> io = new HashMap<>();
    final Map<String, Boolean> held = new HashMap<>();

    void volume(String name, long id, long size, long used) {
      volumes.put(name, new VolumeInfo(id, name, size, 65536, 512, false, used, used, 1, 0, Instant.EPOCH, false,
          null, null));
      held.putIfAbsent(name, true);
    }

    void io(String name, long reads, long writes) {
      io.put(name, VolumeIo.newBuilder().setReads(reads).setWrites(writes).setReadBytes(reads * 4096)
          .setWrittenBytes(writes * 4096).build());
    }

    @Override
    public Set<String> metered() {
      return io.keySet();
    }

    @Override
    public VolumeIo io(String volume) {
      return io.getOrDefault(volume, VolumeIo.getDefaultInstance());
    }

    @Override
    public Optional<VolumeInfo> info(String volume) {
      return Optional.ofNullable(volumes.get(volume));
    }

    @Override
    public List<VolumeInfo> heldHere() {
      return volumes.values().stream().filter(v -> held.get(v.name())).toList();
    }

    @Override
    public String tenantOf(String volume) {
      return volume.startsWith("a") ? "acme" : "";
    }
  }

  private final Node node = new Node();

  /** Ticks every 30 s from {@code from} (seconds after 10:00) up to {@code to}. */
  private static void ticks(UsageHours hours, long from, long to) throws IOException {
    for (long t = from + 30; t <= to; t += 30) {
      hours.tick(TEN.plusSeconds(t));
    }
  }

  private static UsageRecord only(List<UsageRecord> records, long hour, String volume) {
    List<UsageRecord> r = records.stream().filter(x -> x.hour() == hour && x.volume().equals(volume)).toList();
    assertThat(r).as("records of %s at %d in %s", volume, hour, records).hasSize(1);
    return r.get(0);
  }

  @Test
  void spaceHeldIsCountedInByteHoursPerHourAndIoOnce() throws IOException {
    node.volume("a1", 7, 3600, 1800);
    node.volume("b1", 8, 7200, 0);
    node.held.put("b1", false);   // another node is its primary
    UsageHours hours = UsageHours.open(dir, node, TEN);
    node.io("a1", 2, 3);
    ticks(hours, 0, 1800);
    node.io("a1", 2, 5);          // two more writes
    ticks(hours, 1800, 3600 + 600);

    List<UsageRecord> all = hours.export(0, Long.MAX_VALUE);
    UsageRecord ten = only(all, H10, "a1");
    assertThat(ten.tenant()).isEqualTo("acme");
    assertThat(ten.provisionedByteHours()).isEqualTo(3600);   // 3600 bytes for one hour
    assertThat(ten.usedByteHours()).isEqualTo(1800);
    assertThat(ten.reads()).isEqualTo(2);
    assertThat(ten.writes()).isEqualTo(5);
    assertThat(ten.writtenBytes()).isEqualTo(5 * 4096);
    UsageRecord eleven = only(all, H11, "a1");
    assertThat(eleven.provisionedByteSeconds()).isEqualTo(3600L * 600);
    assertThat(eleven.writes()).isZero();
    assertThat(all).noneMatch(r -> r.volume().equals("b1"));
    assertThat(hours.openHour()).isEqualTo(H11);

    assertThat(hours.export(H11, H11 + 3600)).extracting(UsageRecord::hour).containsOnly(H11);
    assertThat(hours.export(H10, H11)).extracting(UsageRecord::hour).containsOnly(H10);
    assertThat(hours.export(H11 + 3600, Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void aRestartKeepsTheOpenHourAndDoesNotBillTheTimeTheNodeWasDown() throws IOException {
    node.volume("a1", 7, 3600, 0);
    UsageHours first = UsageHours.open(dir, node, TEN);
    node.io("a1", 0, 4);
    ticks(first, 0, 600);

    // down from 10:10 to 10:40; the ledger's totals came back as saved
    UsageHours second = UsageHours.open(dir, node, TEN.plusSeconds(2400));
    node.io("a1", 0, 6);
    ticks(second, 2400, 3600 + 60);

    List<UsageRecord> all = second.export(0, Long.MAX_VALUE);
    UsageRecord ten = only(all, H10, "a1");
    assertThat(ten.provisionedByteSeconds()).as("10:00-10:10 and 10:40-11:00").isEqualTo(3600L * (600 + 1200));
    assertThat(ten.writes()).as("4 before the restart, 2 after").isEqualTo(6);
    assertThat(only(all, H11, "a1").provisionedByteSeconds()).isEqualTo(3600L * 60);
    assertThat(Files.readAllLines(dir.resolve(UsageLog.FILE))).hasSize(1);
  }

  @Test
  void ioAfterARestartHoursLaterGoesToTheHourItHappenedIn() throws IOException {
    node.volume("a1", 7, 3600, 0);
    UsageHours first = UsageHours.open(dir, node, TEN);
    node.io("a1", 0, 2);
    ticks(first, 0, 60);
    // down until 12:30; then one more write before the first tick
    UsageHours second = UsageHours.open(dir, node, TEN.plusSeconds(9000));
    node.io("a1", 0, 3);
    second.tick(TEN.plusSeconds(9010));
    List<UsageRecord> all = second.export(0, Long.MAX_VALUE);
    assertThat(only(all, H10, "a1").writes()).isEqualTo(2);
    assertThat(only(all, H10 + 2 * 3600, "a1").writes()).isEqualTo(1);
    assertThat(all).noneMatch(r -> r.hour() == H11);
  }

  @Test
  void aNamesakeAfterADeleteIsAnotherVolume() throws IOException {
    node.volume("a1", 7, 3600, 0);
    UsageHours hours = UsageHours.open(dir, node, TEN);
    node.io("a1", 0, 3);
    ticks(hours, 0, 60);
    node.volume("a1", 9, 3600, 0);   // deleted and created again: the ledger restarts its counts
    node.io("a1", 0, 1);
    ticks(hours, 60, 120);
    List<UsageRecord> all = hours.export(0, Long.MAX_VALUE);
    assertThat(all).extracting(UsageRecord::id, UsageRecord::writes)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(7L, 3L), org.assertj.core.groups.Tuple.tuple(9L, 1L));
  }

  @Test
  void aHourTornInTheLogIsAppendedAgainFromTheOpenHour() throws IOException {
    node.volume("a1", 7, 3600, 0);
    node.volume("a2", 8, 3600, 0);
    UsageHours first = UsageHours.open(dir, node, TEN);
    ticks(first, 0, 3600 + 30);   // 10:00 closed and logged, 11:00 open
    String logged = Files.readString(dir.resolve(UsageLog.FILE));
    // a crash while appending 11:00: one whole line of it and a torn one
    Path log = dir.resolve(UsageLog.FILE);
    String line = logged.lines().findFirst().orElseThrow().replace("\"hour\":" + H10, "\"hour\":" + H11);
    Files.writeString(log, line + "\n{\"hour\":" + H11 + ",\"vol", StandardOpenOption.APPEND);

    UsageHours second = UsageHours.open(dir, node, TEN.plusSeconds(3600 + 40));
    assertThat(Files.readString(log)).isEqualTo(logged);
    ticks(second, 3600 + 40, 2 * 3600 + 10);
    List<UsageRecord> all = second.export(0, Long.MAX_VALUE);
    assertThat(all.stream().filter(r -> r.hour() == H11)).hasSize(2)
        .allSatisfy(r -> assertThat(r.provisionedByteSeconds()).isEqualTo(3600L * (3600 - 10)));
  }

  @Test
  void anHourLoggedBeforeACrashIsNotLoggedTwice() throws IOException {
    node.volume("a1", 7, 3600, 0);
    UsageHours first = UsageHours.open(dir, node, TEN);
    ticks(first, 0, 3570);
    Path open = dir.resolve(UsageHours.OPEN);
    byte[] before = Files.readAllBytes(open);   // the open file of 10:00 ...
    first.tick(TEN.plusSeconds(3600 + 5));
    Files.write(open, before);                  // ... as if the crash came between the append and its rewrite
    UsageHours second = UsageHours.open(dir, node, TEN.plusSeconds(3600 + 10));
    second.tick(TEN.plusSeconds(3600 + 20));
    assertThat(second.export(0, Long.MAX_VALUE).stream().filter(r -> r.hour() == H10)).hasSize(1);
  }

  @Test
  void filesThatAreNotMeteringStopTheNodeWithOneLine() throws IOException {
    Path open = dir.resolve(UsageHours.OPEN);
    for (String bad : List.of("{", "[]", "{\"version\":2,\"hour\":0,\"records\":{},\"seen\":{}}",
        "{\"version\":1,\"hour\":5,\"records\":{},\"seen\":{}}",
        "{\"version\":1,\"hour\":0,\"records\":{\"a#1\":{\"hour\":0,\"volume\":\"a\",\"id\":1,\"tenant\":\"\","
            + "\"provisionedByteSeconds\":-1,\"usedByteSeconds\":0,\"reads\":0,\"writes\":0,\"readBytes\":0,"
            + "\"writtenBytes\":0}},\"seen\":{}}")) {
      Files.writeString(open, bad);
      assertThatThrownBy(() -> UsageHours.open(dir, node, TEN)).as(bad).isInstanceOf(OperatorError.class)
          .hasMessageStartingWith("cannot read the open hour of metering in " + open + ": ")
          .hasMessageEndingWith(" (move it away to start the hour from zero)")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
    Files.delete(open);
    Path log = dir.resolve(UsageLog.FILE);
    Files.writeString(log, "{\"hour\":3600,\"volume\":\"a\",\"id\":1,\"tenant\":\"\",\"provisionedByteSeconds\":0,"
        + "\"usedByteSeconds\":0,\"reads\":0,\"writes\":0,\"readBytes\":0,\"writtenBytes\":0}\nnot json\n");
    assertThatThrownBy(() -> UsageHours.open(dir, node, TEN)).isInstanceOf(OperatorError.class)
        .hasMessage("cannot read the usage log " + log + ": line 2 is not a usage record (move the file away to start "
            + "the hourly log anew)");
  }
}
