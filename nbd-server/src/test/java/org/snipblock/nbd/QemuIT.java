package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;

/** QEMU's NBD client (qemu-img, qemu-io) against the server. */
class QemuIT {
  private static final Duration T = Duration.ofSeconds(60);
  private static final long SIZE = 32L << 20;

  @TempDir Path dir;
  private RunningServer server;

  @BeforeEach
  void start() throws Exception {
    Tools.require("qemu-img");
    Tools.require("qemu-io");
    MemoryCatalog catalog = new MemoryCatalog()
        .add(new MemoryBlockDevice("vol", SIZE, 512, false))
        .add(new MemoryBlockDevice("ro", SIZE, 512, false));
    ExportPolicies policies = ExportPolicies.of(Map.of("ro", ExportPolicy.OPEN.withReadOnly(true)),
        ExportPolicy.OPEN);
    server = new RunningServer(NbdServerConfig.plain("127.0.0.1", 0).withExportPolicies(policies), catalog);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void convertThenCompare() throws Exception {
    Path image = TestImages.random(dir, "src.img", SIZE, 7);
    Tools.run(T, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", "-W",
        image.toString(), server.uri("vol")).ok();
    Tools.run(T, "qemu-img", "compare", "-f", "raw", "-F", "raw",
        image.toString(), server.uri("vol")).ok();
    // A changed byte must be noticed, or compare proves nothing.
    Tools.run(T, "qemu-io", "-f", "raw", "-c", "write -P 0x01 1048576 512", server.uri("vol")).ok();
    assertThat(Tools.run(T, "qemu-img", "compare", "-f", "raw", "-F", "raw",
        image.toString(), server.uri("vol")).exit()).isEqualTo(1);
  }

  @Test
  void qemuIoPatternsZeroesAndDiscards() {
    Tools.Result r = qemuIo("vol",
        "write -P 0xab 0 1M",
        "read -P 0xab 0 1M",
        "write -f -P 0xcd 1M 64k",          // FUA
        "read -P 0xcd 1M 64k",
        "read -P 0 2M 1M",                   // never written
        "write -z 0 64k",                    // WRITE_ZEROES
        "read -P 0 0 64k",
        "read -P 0xab 64k 960k",
        "discard 128k 128k",                 // TRIM
        "read -P 0 128k 128k",
        "aio_write -P 0x11 4M 256k",         // several in flight
        "aio_write -P 0x22 5M 256k",
        "aio_write -P 0x33 6M 256k",
        "aio_flush",
        "read -P 0x11 4M 256k",
        "read -P 0x22 5M 256k",
        "read -P 0x33 6M 256k",
        "flush").ok();
    assertThat(r.out()).doesNotContain("Pattern verification failed").doesNotContain("error");
  }

  @Test
  void mapShowsHolesAndData() {
    qemuIo("vol", "write -P 0x7 8M 1M").ok();
    String map = Tools.run(T, "qemu-img", "map", "--output=json", "-f", "raw", server.uri("vol")).ok().out();
    assertThat(map).contains("\"start\": 8388608, \"length\": 1048576").contains("\"data\": true");
    assertThat(map).contains("\"start\": 0, \"length\": 8388608").contains("\"zero\": true");
  }

  @Test
  void readOnlyExportRefusesWrites() {
    // qemu sees NBD_FLAG_READ_ONLY and refuses to open the export for writing.
    Tools.Result r = qemuIo("ro", "write -P 0x1 0 4k");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("Permission denied");
    Tools.run(T, "qemu-io", "-r", "-f", "raw", "-c", "read -P 0 0 4k", server.uri("ro")).ok();
  }

  private Tools.Result qemuIo(String export, String... commands) {
    List<String> cmd = new java.util.ArrayList<>(List.of("qemu-io", "-f", "raw"));
    for (String c : commands) {
      cmd.add("-c");
      cmd.add(c);
    }
    cmd.add(server.uri(export));
    return Tools.run(T, Map.of(), cmd);
  }
}
