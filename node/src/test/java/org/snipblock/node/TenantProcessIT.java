package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.snipblock.node.cli.Main;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.Tools;

/**
 * Tenants on a running daemon through the real CLI: quotas refused with one line and nothing changed,
 * ownership kept across a restart, deletion refused while volumes remain, and metering counted from
 * a real client's I/O (qemu-io over NBD), in {@code tenant usage} and on /metrics.
 */
class TenantProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void quotasAreEnforcedWithOneLineAndOwnershipSurvivesARestart() throws IOException {
    Path data = tmp.resolve("data");
    try (DaemonProcess node = DaemonProcess.serve(data).start()) {
      assertThat(node.cli("tenant", "create", "acme", "--max-volumes", "2", "--max-bytes", "256M"))
          .contains("quotas:      max-volumes=2,max-bytes=268435456");
      node.cli("volume", "create", "a1", "64M", "--tenant", "acme");
      node.cli("volume", "create", "a2", "64M", "--tenant", "acme");
      assertThat(node.cliError("volume", "create", "a3", "64M", "--tenant", "acme").strip())
          .isEqualTo("snipblock: tenant acme: 2 of 2 volumes used");
      assertThat(node.cli("volume", "list")).doesNotContain("a3");
      assertThat(node.cliError("volume", "create", "x", "64M", "--tenant", "nobody")).contains("no tenant named nobody");
      assertThat(node.cli("volume", "list")).doesNotContain("x ");

      assertThat(node.cliError("volume", "resize", "a1", "512M").strip())
          .isEqualTo("snipblock: tenant acme: 67108864 of 268435456 bytes provisioned, 536870912 more would exceed max-bytes");
      assertThat(JSON.readTree(node.cli("volume", "show", "a1", "--json")).get("provisionedBytes").asLong())
          .isEqualTo(64L << 20);
      node.cli("volume", "resize", "a1", "128M");

      // The I/O ceiling caps the sum of the volumes' limits; set only where it holds already.
      node.cli("volume", "set", "a1", "--qos", "iops-total=200");
      assertThat(node.cliError("tenant", "set", "acme", "--max-iops", "300").strip())
          .isEqualTo("snipblock: tenant acme: a2 has no IOPS limit; give it one before setting max-iops");
      node.cli("volume", "set", "a2", "--qos", "iops-total=100");
      assertThat(node.cliError("tenant", "set", "acme", "--max-iops", "250").strip())
          .isEqualTo("snipblock: tenant acme: its volumes' limits add up to 300 IOPS, more than max-iops=250");
      node.cli("tenant", "set", "acme", "--max-iops", "300");
      assertThat(node.cliError("volume", "set", "a2", "--qos", "iops-total=200").strip())
          .isEqualTo("snipblock: tenant acme: 200 of 300 IOPS (max-iops) given to other volumes, 200 more would exceed it");
      assertThat(node.cli("volume", "show", "a2")).contains("qos:              iops-total=100");
      node.cli("volume", "set", "a2", "--qos", "iops-read=50,iops-write=50");
      assertThat(node.cliError("volume", "set", "a2", "--qos", "none")).contains("give the volume a limit within it");
      assertThat(node.cliError("volume", "create", "a0", "64M", "--tenant", "acme")).contains("2 of 2 volumes used");
      node.cli("tenant", "set", "acme", "--max-volumes", "3");
      assertThat(node.cliError("volume", "create", "a3", "1M", "--tenant", "acme").strip())
          .isEqualTo("snipblock: tenant acme has max-iops=300: give the volume a limit within it (iops-total=N, or "
              + "iops-read and iops-write)");
      assertThat(node.cliError("volume", "create", "a3", "1M", "--tenant", "acme", "--qos", "iops-total=1").strip())
          .isEqualTo("snipblock: tenant acme: 300 of 300 IOPS (max-iops) given to other volumes, 1 more would exceed it");
      assertThat(node.cli("volume", "list")).doesNotContain("a3");
      node.cli("tenant", "set", "acme", "--max-volumes", "2");

      assertThat(node.cli("volume", "show", "a1")).contains("tenant:           acme");
      assertThat(node.cliError("tenant", "delete", "acme").strip())
          .isEqualTo("snipblock: tenant acme still owns 2 volumes: a1, a2; delete them first");
      node.cli("volume", "create", "ops", "64M");
      node.terminate();
    }
    try (DaemonProcess node = DaemonProcess.serve(data).start()) {
      JsonNode acme = JSON.readTree(node.cli("tenant", "show", "acme", "--json"));
      assertThat(acme.get("limits").asText()).isEqualTo("max-volumes=2,max-bytes=268435456,max-iops=300");
      assertThat(acme.at("/usage/iopsLimits").asLong()).isEqualTo(300);
      assertThat(acme.get("volumes").toString()).isEqualTo("[\"a1\",\"a2\"]");
      assertThat(acme.at("/usage/provisionedBytes").asLong()).isEqualTo(192L << 20);
      assertThat(node.cli("tenant", "list")).contains("acme").contains("192 MiB");
      node.cli("volume", "delete", "a1");
      node.cli("volume", "delete", "a2");
      assertThat(node.cli("tenant", "delete", "acme")).contains("deleted tenant acme");
      assertThat(node.cli("tenant", "list")).contains("no tenants");
      assertThat(node.cli("volume", "list")).contains("ops");
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void malformedTenantCommandsAreRefusedWithOneLine() {
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data")).start()) {
      for (List<String> bad : List.of(List.of("tenant", "create", "Acme!"), List.of("tenant", "create", ""),
          List.of("tenant", "create", "t", "--max-bytes", "5X"), List.of("tenant", "create", "t", "--max-volumes", "-1"),
          List.of("tenant", "create", "t", "--max-iops", "1.5"), List.of("tenant", "create", "t", "--max-bps", "1,max-iops=3"),
          List.of("tenant", "set", "t"))) {
        String err = usageError(node, bad);
        assertThat(err).as("%s", bad).startsWith("snipblock: ");
      }
      assertThat(node.cli("tenant", "list")).contains("no tenants");
      node.cli("tenant", "create", "t");
      assertThat(node.cliError("tenant", "create", "t")).contains("tenant t already exists");
      assertThat(node.cliError("tenant", "show", "u")).contains("no tenant named u");
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void metersARealClientsIoPerTenant() throws Exception {
    Tools.require("qemu-io");
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data"), "--http-port", "0").start()) {
      node.cli("tenant", "create", "acme");
      node.cli("tenant", "create", "other");
      node.cli("volume", "create", "m", "64M", "--tenant", "acme");
      node.cli("volume", "create", "o", "64M", "--tenant", "other");
      String io = Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0xaa 0 1M", "-c", "write -P 0xbb 4M 64k",
          "-c", "read -P 0xaa 0 512k", node.nbdUrl("m")).ok().output();
      assertThat(io).contains("wrote 1048576/1048576").contains("read 524288/524288");

      LoggerFactory.getLogger(TenantProcessIT.class).info("tenant usage acme:\n{}", node.cli("tenant", "usage", "acme"));
      JsonNode u = JSON.readTree(node.cli("tenant", "usage", "acme", "--json"));
      assertThat(u.get("volumes").asLong()).isEqualTo(1);
      assertThat(u.get("provisionedBytes").asLong()).isEqualTo(64L << 20);
      assertThat(u.get("writtenBytes").asLong()).isEqualTo((1L << 20) + (64L << 10));
      assertThat(u.get("writes").asLong()).isEqualTo(2);
      assertThat(u.get("readBytes").asLong()).isEqualTo(512L << 10);
      assertThat(u.get("reads").asLong()).isEqualTo(1);
      assertThat(u.get("usedBytes").asLong()).isGreaterThanOrEqualTo((1L << 20) + (64L << 10));
      JsonNode other = JSON.readTree(node.cli("tenant", "usage", "other", "--json"));
      assertThat(other.get("writes").asLong()).isZero();
      assertThat(other.get("reads").asLong()).isZero();

      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + node.info().httpPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("snipblock_tenant_io_bytes{op=\"write\",tenant=\"acme\"} 1114112.0")
          .contains("snipblock_tenant_io_operations{op=\"read\",tenant=\"acme\"} 1.0")
          .contains("snipblock_tenant_provisioned_bytes{tenant=\"acme\"} 6.7108864E7")
          .contains("snipblock_tenant_volumes{tenant=\"other\"} 1.0");
    }
  }

  /**
   * Metering is durable: the counts of a run survive a stop and start of the daemon (kept in its
   * data directory) and the next run's I/O adds to them, in {@code tenant usage} and on /metrics.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void meteringSurvivesARestart() throws Exception {
    Tools.require("qemu-io");
    Path data = tmp.resolve("data");
    Path usage = data.resolve("usage.json");
    try (DaemonProcess node = DaemonProcess.serve(data).start()) {
      node.cli("tenant", "create", "acme");
      node.cli("volume", "create", "m", "64M", "--tenant", "acme");
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0xaa 0 1M", "-c", "read -P 0xaa 0 512k",
          node.nbdUrl("m")).ok();
      assertThat(node.terminate()).as("a clean stop after SIGTERM (128 + 15)").isEqualTo(143);
    }
    try (DaemonProcess node = DaemonProcess.serve(data, "--http-port", "0").start()) {
      JsonNode after = JSON.readTree(node.cli("tenant", "usage", "acme", "--json"));
      assertThat(after.get("writes").asLong()).isEqualTo(1);
      assertThat(after.get("writtenBytes").asLong()).isEqualTo(1L << 20);
      assertThat(after.get("reads").asLong()).isEqualTo(1);
      assertThat(after.get("readBytes").asLong()).isEqualTo(512L << 10);

      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0xbb 4M 64k", node.nbdUrl("m")).ok();
      JsonNode more = JSON.readTree(node.cli("tenant", "usage", "acme", "--json"));
      assertThat(more.get("writes").asLong()).isEqualTo(2);
      assertThat(more.get("writtenBytes").asLong()).isEqualTo((1L << 20) + (64L << 10));
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + node.info().httpPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("snipblock_tenant_io_bytes{op=\"write\",tenant=\"acme\"} 1114112.0")
          .contains("snipblock_tenant_io_operations{op=\"read\",tenant=\"acme\"} 1.0");
      // saved every 10 s while running: once it is on disk, kill -9 loses none of it
      Poll.until("the second write saved in " + usage, Duration.ofSeconds(60), () -> Optional.of(usage)
          .filter(f -> Files.exists(f)).map(TenantProcessIT::read).filter(t -> t.contains("\"writes\" : 2")));
      node.kill9();
    }
    try (DaemonProcess node = DaemonProcess.serve(data).start()) {
      assertThat(JSON.readTree(node.cli("tenant", "usage", "acme", "--json")).get("writes").asLong()).isEqualTo(2);
      node.kill9();
      Files.writeString(usage, "{\"version\": 1, \"volumes\": {\"m\": ");
      assertThat(node.restartExpectingExit()).as("a node that cannot read its counts does not start").isEqualTo(1);
      assertThat(node.log()).contains("cannot read the usage counts in " + usage + ": ")
          .contains(" (move it away to start metering from zero)");
      assertThat(Files.readString(usage)).isEqualTo("{\"version\": 1, \"volumes\": {\"m\": ");
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Runs the CLI expecting a usage error (exit 2); returns the first line of stderr. */
  private static String usageError(DaemonProcess node, List<String> args) {
    List<String> all = new ArrayList<>(args);
    all.add("--admin");
    all.add(node.info().adminAddress());
    StringWriter err = new StringWriter();
    int status = Main.run(all.toArray(String[]::new), new PrintWriter(new StringWriter()), new PrintWriter(err));
    assertThat(status).as("snipblock %s: %s", all, err).isEqualTo(Main.EXIT_USAGE);
    return err.toString().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
  }
}
