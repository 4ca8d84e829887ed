package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.daemon.NodeInfo;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Tools;

/**
 * The node as an operator runs it: a separate JVM serving the real store, driven by real clients
 * (qemu-img, qemu-io, libnbd) over 127.0.0.1, killed with SIGKILL or stopped with SIGTERM, and
 * restarted on the same data directory.
 */
class NodeProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIB = 1 << 20;

  @TempDir Path tmp;

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void imagesWrittenOverNbdAndIscsiAreBitIdenticalAfterKill9AndRestart() throws IOException {
    Tools.require("qemu-img", "qemu-io");
    Tools.requireQemuIscsi();
    Path image = Tools.randomImage(tmp.resolve("random.img"), 256 * MIB, 42);
    Path data = tmp.resolve("data");

    try (DaemonProcess node = DaemonProcess.serve(data).start()) {
      node.cli("volume", "create", "overnbd", "256M");
      node.cli("volume", "create", "overiscsi", "256M");
      assertThat(node.cli("volume", "list")).contains("overnbd", "overiscsi");
      JsonNode before = JSON.readTree(node.cli("volume", "show", "overnbd", "--json"));
      assertThat(before.get("provisionedBytes").asLong()).isEqualTo(256 * MIB);
      assertThat(before.get("usedBytes").asLong()).as("thin: nothing written yet").isZero();

      Tools.run(300, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(),
          node.nbdUrl("overnbd")).ok();
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "flush", node.nbdUrl("overnbd")).ok();
      Tools.run(300, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(),
          node.iscsiUrl("overiscsi")).ok();
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "flush", node.iscsiUrl("overiscsi")).ok();
      node.kill9();
    }

    try (DaemonProcess node = DaemonProcess.serve(data).start()) {
      assertThat(Tools.run(300, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(),
          node.nbdUrl("overnbd")).ok().output()).contains("Images are identical");
      assertThat(Tools.run(300, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(),
          node.iscsiUrl("overiscsi")).ok().output()).contains("Images are identical");
      JsonNode after = JSON.readTree(node.cli("volume", "show", "overnbd", "--json"));
      assertThat(after.get("usedBytes").asLong()).isEqualTo(256 * MIB);
      assertThat(node.cli("volume", "show", "overiscsi")).contains("used:             256 MiB");
    }
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void sigtermStopsGracefullyAndKeepsWhatWasWritten() {
    Tools.require("qemu-io");
    Path data = tmp.resolve("data");
    try (DaemonProcess node = DaemonProcess.serve(data, "--volume", "vol0:64M").start()) {
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x5a 1M 4M", node.nbdUrl("vol0")).ok();
      int status = node.terminate();
      assertThat(status).as("exit status after SIGTERM (128 + 15)").isEqualTo(143);
      assertThat(NodeInfo.readFrom(data)).as("node.json removed on a clean stop").isEmpty();
      assertThat(node.log()).contains("stopping", "snippet store in", "stopped");
    }
    try (DaemonProcess node = DaemonProcess.serve(data, "--volume", "vol0:64M").start()) {
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "read -P 0x5a 1M 4M", "-c", "read -P 0 0 1M",
          node.nbdUrl("vol0")).ok();
      assertThat(node.log()).doesNotContain("replayed").as("a clean stop leaves no journal to replay");
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void everyFlushedWriteSurvivesKill9InTheMiddleOfAWriteLoad() throws Exception {
    Tools.requirePythonNbd();
    Tools.require("qemu-img");
    Path data = tmp.resolve("data");
    int block = 64 * 1024;
    int blocks = 1024; // 64 MiB, each block written once
    int flushesBeforeKill = 40;
    // libnbd from python: 64 KiB writes of a per-block byte, a flush after every 8th, and a line
    // printed only once the flush is acknowledged.
    String load = """
        import nbd, sys
        h = nbd.NBD()
        h.connect_uri(sys.argv[1])
        block, blocks = int(sys.argv[2]), int(sys.argv[3])
        for i in range(blocks):
            h.pwrite(bytes([i % 251 + 1]) * block, i * block)
            if i % 8 == 7:
                h.flush()
                print(i, flush=True)
        """;
    int lastFlushed = -1;
    try (DaemonProcess node = DaemonProcess.serve(data, "--volume", "load:64M").start()) {
      Path clientLog = tmp.resolve("load.err");
      Process client = new ProcessBuilder(Tools.SYSTEM_PYTHON, "-c", load, node.nbdUrl("load"),
          String.valueOf(block), String.valueOf(blocks)).redirectError(clientLog.toFile()).start();
      try (BufferedReader acks = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        int flushes = 0;
        while (flushes < flushesBeforeKill && (line = acks.readLine()) != null) {
          lastFlushed = Integer.parseInt(line.trim());
          flushes++;
        }
        assertThat(flushes).as("flushes acknowledged before the kill; client said: %s", Files.readString(clientLog))
            .isEqualTo(flushesBeforeKill);
        node.kill9();
        // Flushes acknowledged while the kill was under way count too.
        while ((line = acks.readLine()) != null) {
          lastFlushed = Integer.parseInt(line.trim());
        }
      }
      assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(lastFlushed).as("the kill landed before the load ended").isLessThan(blocks - 1);
    }

    Path readBack = tmp.resolve("readback.raw");
    try (DaemonProcess node = DaemonProcess.serve(data).start()) {
      Tools.run(120, "qemu-img", "convert", "-f", "raw", "-O", "raw", node.nbdUrl("load"), readBack.toString()).ok();
    }
    byte[] disk = Files.readAllBytes(readBack);
    assertThat(disk).hasSize(blocks * block);
    for (int i = 0; i < blocks; i++) {
      byte fill = (byte) (i % 251 + 1);
      for (int sector = 0; sector < block / 512; sector++) {
        int at = i * block + sector * 512;
        byte[] got = java.util.Arrays.copyOfRange(disk, at, at + 512);
        byte first = got[0];
        boolean uniform = java.util.Arrays.equals(got, filled(512, first));
        if (i <= lastFlushed) {
          assertThat(uniform && first == fill)
              .as("block %d sector %d was flushed (last flushed block %d) and must hold %d", i, sector, lastFlushed, fill)
              .isTrue();
        } else {
          // Not flushed: may or may not have landed, but never anything but old or new data.
          assertThat(uniform && (first == 0 || first == fill))
              .as("block %d sector %d holds neither zeroes nor its write", i, sector)
              .isTrue();
        }
      }
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aFullStoreRefusesWritesWithEnospcAndKeepsServing() throws IOException {
    Tools.require("qemu-io");
    Path config = Files.writeString(tmp.resolve("node.yaml"), """
        store:
          capacity: 4M
        volumes:
          - name: small
            size: 64M
        """);
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data"), "--config", config.toString()).start()) {
      Tools.Run full = Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x11 0 8M", node.nbdUrl("small"));
      assertThat(full.output()).contains("No space left on device");
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x22 0 1M", "-c", "read -P 0x22 0 1M",
          node.nbdUrl("small")).ok();
      assertThat(node.cli("volume", "list")).contains("small");
      assertThat(node.process().isAlive()).isTrue();
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void jsonLogsAreOneObjectALineNamingTheNode() throws IOException {
    Tools.require("iscsi-inq");
    Path data = tmp.resolve("data");
    try (DaemonProcess node = DaemonProcess.serve(data, "--node-id", "j1", "--log-format", "json",
        "--volume", "vol0:4M").start()) {
      // A real session: its login and its end are logged on the event loop, which names the volume.
      Tools.run(60, "iscsi-inq", node.iscsiUrl("vol0")).ok();
      node.terminate();
      List<String> lines = node.log().lines().filter(l -> !l.isBlank()).toList();
      assertThat(lines).hasSizeGreaterThan(2);
      for (String line : lines) {
        assertThat(line).as("a JSON object a line").startsWith("{");
        JsonNode entry = JSON.readTree(line);
        assertThat(entry.get("node").asText()).as(line).isEqualTo("j1");
        assertThat(entry.get("level").asText()).as(line).isIn("ERROR", "WARN", "INFO", "DEBUG", "TRACE");
        assertThat(java.time.Instant.parse(entry.get("time").asText())).isNotNull();
        assertThat(entry.has("logger") && entry.has("message")).as(line).isTrue();
      }
      assertThat(lines).anySatisfy(l -> assertThat(JSON.readTree(l).get("message").asText())
          .startsWith("snipblock node j1 ready on 127.0.0.1"));
      assertThat(lines).anySatisfy(l -> assertThat(JSON.readTree(l).get("message").asText())
          .isEqualTo("snipblock node j1 stopped"));
      assertThat(lines).as("the iSCSI login, logged with its volume").anySatisfy(l -> {
        JsonNode entry = JSON.readTree(l);
        assertThat(entry.path("volume").asText()).isEqualTo("vol0");
        assertThat(entry.get("message").asText()).contains(" logged in to iqn.2026-11.org.snipblock:vol0");
      });
      assertThat(lines).as("the session's end, logged with its volume").anySatisfy(l -> {
        JsonNode entry = JSON.readTree(l);
        assertThat(entry.path("volume").asText()).isEqualTo("vol0");
        assertThat(entry.get("message").asText()).contains(" ends: ");
      });
      assertThat(lines).as("the node's own lines, which no volume's work wrote, name none")
          .filteredOn(l -> l.contains("snipblock node j1 ")).hasSizeGreaterThanOrEqualTo(2)
          .noneMatch(l -> l.contains("\"volume\":"));
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void upServesA10GibThinVol0AndSaysHowToConnect() throws IOException {
    Tools.requireQemuIscsi();
    try (DaemonProcess node = DaemonProcess.up(tmp).start()) {
      String banner = node.log();
      assertThat(banner).contains(
          "qemu-img info " + node.nbdUrl("vol0"),
          "nbdinfo " + node.nbdUrl("vol0"),
          "iscsi-inq " + node.iscsiUrl("vol0"),
          "qemu-img info " + node.iscsiUrl("vol0"),
          "vol0         10 GiB provisioned, 0 B used",
          "Dashboard and metrics:\n  " + node.info().httpUrl() + "/\n",
          "curl " + node.info().httpUrl() + "/metrics");
      assertThat(node.info().httpPort()).as("up opens the HTTP port on a free port").isPositive();
      assertThat(Tools.run(60, "qemu-img", "info", "--output=json", node.nbdUrl("vol0")).ok().output())
          .contains("\"virtual-size\": 10737418240");
      assertThat(Tools.run(60, "qemu-img", "info", "--output=json", node.iscsiUrl("vol0")).ok().output())
          .contains("\"virtual-size\": 10737418240");
      JsonNode vol0 = JSON.readTree(node.cli("volume", "show", "vol0", "--json"));
      assertThat(vol0.get("usedBytes").asLong()).isZero();
      assertThat(tmp.resolve("snipblock-data").resolve("node.json")).exists();
    }
  }

  private static byte[] filled(int n, byte b) {
    byte[] a = new byte[n];
    java.util.Arrays.fill(a, b);
    return a;
  }
}
