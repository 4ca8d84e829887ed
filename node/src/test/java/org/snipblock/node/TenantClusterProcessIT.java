package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.node.testing.ClusterWatch.awaitInSync;
import static org.snipblock.node.testing.ClusterWatch.awaitNewPrimary;
import static org.snipblock.node.testing.ClusterWatch.awaitServing;
import static org.snipblock.node.testing.ClusterWatch.show;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;
import org.snipblock.node.testing.Tools;

/**
 * Tenants on a cluster are kept in its replicated metadata: a tenant made through one node and a
 * volume given to it through another count against the same quota everywhere, and survive the
 * node that served the volume being killed. The usage export is the cluster's from any node: the
 * I/O counted at the first primary's door before its SIGKILL and at the new primary's after, once
 * the first is back, all in one export from the third node; while it is down, the export names it.
 */
class TenantClusterProcessIT {
  private static final Duration TICKED = Duration.ofSeconds(60);

  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void tenantsOwnershipAndUsageAreTheClustersNotOneNodes() throws IOException {
    Tools.require("qemu-io", "qemu-img");
    ProcessCluster cluster = clusters.start("""
        cluster:
          replication:
            failover-delay: 2s
        """);
    DaemonProcess n1 = cluster.node("n1");
    DaemonProcess n2 = cluster.node("n2");
    DaemonProcess n3 = cluster.node("n3");
    n1.cli("tenant", "create", "acme", "--max-volumes", "1", "--max-bytes", "1G");
    // Another node knows the tenant once it has applied its record.
    Poll.until("n2 knows acme", Duration.ofSeconds(60), () -> n2.cliIfOk("tenant", "show", "acme"));
    JsonNode created = ProcessCluster.json(n2.cli("volume", "create", "a1", "--size", "64M", "--copies", "3",
        "--min-copies", "2", "--mode", "sync", "--tenant", "acme", "--json"));
    Poll.until("n3 counts a1 for acme", Duration.ofSeconds(60), () -> n3.cliIfOk("tenant", "show", "acme")
        .filter(t -> t.contains("a1")));
    assertThat(n3.cliError("volume", "create", "a2", "--size", "64M", "--copies", "2", "--tenant", "acme").strip())
        .isEqualTo("snipblock: tenant acme: 1 of 1 volumes used");
    assertThat(n3.cli("volume", "list")).doesNotContain("a2");

    String firstId = created.get("primary").asText();
    DaemonProcess first = cluster.node(firstId);
    DaemonProcess other = cluster.nodes().stream().filter(n -> n != first).findFirst().orElseThrow();
    awaitInSync(other, "a1");
    qemuIo(first, "a1", "write -P 0xa1 0 1M", "write -P 0xa2 1M 1M", "write -P 0xa3 2M 1M", "read 0 512k",
        "read 1M 512k");
    // The door's counts reach the node's usage log at its next tick: a SIGKILL before that would lose them.
    Poll.until("the first primary's writes in the usage export through " + other.info().nodeId(), TICKED,
        () -> usage(other).filter(u -> u.writes() == 3));
    long epoch = show(other, "a1").orElseThrow().get("epoch").asLong();
    first.kill9();
    DaemonProcess next = cluster.node(awaitNewPrimary(other, "a1", firstId, epoch).get("primary").asText());
    DaemonProcess third = cluster.nodes().stream().filter(n -> n != first && n != next).findFirst().orElseThrow();
    awaitServing(next, "a1");
    qemuIo(next, "a1", "write -P 0xb1 4M 1M", "write -P 0xb2 5M 1M", "read 4M 512k");

    JsonNode acme = ProcessCluster.json(third.cli("tenant", "show", "acme", "--json"));
    assertThat(acme.get("volumes").toString()).isEqualTo("[\"a1\"]");
    assertThat(acme.at("/usage/provisionedBytes").asLong()).isEqualTo(64L << 20);
    assertThat(next.cli("volume", "show", "a1")).contains("tenant:           acme");
    assertThat(next.cliError("tenant", "delete", "acme")).contains("tenant acme still owns 1 volume: a1");
    // A node that is down cannot give its rows: the export says so and fails rather than under-bill.
    assertThat(third.cliError("usage", "export").strip())
        .isEqualTo("snipblock: usage export: no answer from node " + firstId + " (down or unreachable): its rows are "
            + "missing above");

    first.restart();
    Usage total = Poll.until("both primaries' I/O and space in one export through " + third.info().nodeId(), TICKED,
        () -> usage(third).filter(u -> u.writes() == 5 && u.billedBy().contains(next.info().nodeId())));
    assertThat(total.writtenBytes()).isEqualTo(5L << 20);
    assertThat(total.reads()).isEqualTo(3);
    assertThat(total.readBytes()).isEqualTo(3L << 19);
    assertThat(total.ioAt()).containsExactlyInAnyOrder(firstId, next.info().nodeId());
    assertThat(total.billedBy()).contains(firstId);
  }

  /** a1's rows of the cluster's usage export through {@code via}, added up; empty while a node is missing. */
  private static Optional<Usage> usage(DaemonProcess via) {
    return via.cliIfOk("usage", "export", "--json").map(ProcessCluster::json).map(rows -> {
      long reads = 0;
      long writes = 0;
      long readBytes = 0;
      long writtenBytes = 0;
      Set<String> ioAt = new TreeSet<>();
      Set<String> billedBy = new TreeSet<>();
      for (JsonNode r : rows) {
        if (!r.get("volume").asText().equals("a1")) {
          continue;
        }
        assertThat(r.get("tenant").asText()).isEqualTo("acme");
        reads += r.get("reads").asLong();
        writes += r.get("writes").asLong();
        readBytes += r.get("read_bytes").asLong();
        writtenBytes += r.get("written_bytes").asLong();
        if (r.get("reads").asLong() + r.get("writes").asLong() > 0) {
          ioAt.add(r.get("node").asText());
        }
        if (r.get("provisioned_byte_hours").asLong() > 0) {
          billedBy.add(r.get("node").asText());
        }
      }
      return new Usage(reads, writes, readBytes, writtenBytes, ioAt, billedBy);
    });
  }

  private record Usage(long reads, long writes, long readBytes, long writtenBytes, Set<String> ioAt,
      Set<String> billedBy) {}

  private static void qemuIo(DaemonProcess door, String volume, String... commands) {
    String[] args = new String[3 + 2 * commands.length + 1];
    args[0] = "qemu-io";
    args[1] = "-f";
    args[2] = "raw";
    for (int i = 0; i < commands.length; i++) {
      args[3 + 2 * i] = "-c";
      args[4 + 2 * i] = commands[i];
    }
    args[args.length - 1] = door.nbdUrl(volume);
    Tools.run(60, args).ok();
  }
}
