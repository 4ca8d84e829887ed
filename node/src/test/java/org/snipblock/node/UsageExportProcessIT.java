package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.cli.Main;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.Tools;

/**
 * {@code usage export} from a daemon: qemu-io's I/O over NBD and the space held, per hour, volume
 * and tenant, as CSV and JSON, the same after a SIGTERM restart; malformed ranges are refused.
 */
class UsageExportProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void byteHoursAndIoPerHourSurviveARestart() throws IOException {
    Tools.require("qemu-io");
    Path data = tmp.resolve("data");
    long heldBefore;
    try (DaemonProcess node = DaemonProcess.serve(data).start()) {
      node.cli("tenant", "create", "acme");
      node.cli("volume", "create", "m", "64M", "--tenant", "acme");
      node.cli("volume", "create", "x", "16M");
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0xaa 0 1M", "-c", "read -P 0xaa 0 512k",
          node.nbdUrl("m")).ok();
      // counted at the next tick (every 10 s)
      Poll.until("m's write in the usage export", Duration.ofSeconds(60),
          () -> Optional.of(sum(node, "m", "writes")).filter(w -> w == 1));
      heldBefore = sum(node, "m", "provisioned_byte_hours");
      assertThat(heldBefore).as("64 MiB for 10 s or more").isGreaterThanOrEqualTo((64L << 20) * 10 / 3600);
      assertThat(node.terminate()).isEqualTo(143);
    }
    try (DaemonProcess node = DaemonProcess.serve(data).start()) {
      assertThat(sum(node, "m", "writes")).isEqualTo(1);
      assertThat(sum(node, "m", "written_bytes")).isEqualTo(1L << 20);
      assertThat(sum(node, "m", "reads")).isEqualTo(1);
      assertThat(sum(node, "m", "read_bytes")).isEqualTo(512L << 10);
      assertThat(sum(node, "m", "provisioned_byte_hours")).isGreaterThanOrEqualTo(heldBefore);
      assertThat(sum(node, "m", "used_byte_hours")).isPositive();
      JsonNode rows = JSON.readTree(node.cli("usage", "export", "--format", "json"));
      assertThat(StreamSupport.stream(rows.spliterator(), false).filter(r -> r.get("volume").asText().equals("m")))
          .allSatisfy(r -> assertThat(r.get("tenant").asText()).isEqualTo("acme"));
      assertThat(StreamSupport.stream(rows.spliterator(), false).filter(r -> r.get("volume").asText().equals("x")))
          .isNotEmpty().allSatisfy(r -> assertThat(r.get("tenant").asText()).isEmpty());

      List<String> csv = node.cli("usage", "export").lines().toList();
      assertThat(csv.get(0)).isEqualTo("hour,node,tenant,volume,volume_id,provisioned_byte_hours,used_byte_hours,"
          + "reads,writes,read_bytes,written_bytes,open");
      assertThat(csv).anyMatch(l -> l.contains(",acme,m,")).anyMatch(l -> l.contains(",,x,"));
      String nextHour = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS).toString();
      assertThat(node.cli("usage", "export", "--from", nextHour).lines()).as("no hour yet from " + nextHour).hasSize(1);
      assertThat(node.cli("usage", "export", "--to", "2020-01-01").lines()).hasSize(1);

      String admin = node.info().adminAddress();
      assertThat(run("usage", "export", "--from", "yesterday", "--admin", admin))
          .startsWith("2:snipblock: invalid --from 'yesterday': a date (2026-12-07, UTC) or a time with its zone");
      assertThat(run("usage", "export", "--from", "2026-12-07", "--to", "2026-12-06", "--admin", admin))
          .isEqualTo("2:snipblock: --from 2026-12-07 is not before --to 2026-12-06");
      assertThat(run("usage", "export", "--format", "xml", "--admin", admin))
          .isEqualTo("2:snipblock: invalid --format 'xml': csv or json");
    }
  }

  /** A column summed over a volume's rows (the test may cross an hour). */
  private static long sum(DaemonProcess node, String volume, String column) {
    try {
      JsonNode rows = JSON.readTree(node.cli("usage", "export", "--json"));
      return StreamSupport.stream(rows.spliterator(), false).filter(r -> r.get("volume").asText().equals(volume))
          .mapToLong(r -> r.get(column).asLong()).sum();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CLI in this JVM: "STATUS:first line of output or error". */
  private static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    return status + ":" + (status == 0 ? out : err).toString().lines().findFirst().orElse("");
  }
}
