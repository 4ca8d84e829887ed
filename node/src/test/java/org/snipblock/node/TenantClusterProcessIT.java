package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.ProcessCluster;
import org.snipblock.node.testing.ProcessClusters;

/**
 * Tenants on a cluster are kept in its replicated metadata: a tenant made through one node and a
 * volume given to it through another count against the same quota everywhere, and survive the
 * node that recorded them being killed.
 */
class TenantClusterProcessIT {
  @RegisterExtension final ProcessClusters clusters = new ProcessClusters();
  private ProcessCluster cluster;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void tenantsAndOwnershipAreTheClustersNotOneNodes() throws IOException {
    cluster = clusters.start("");
    DaemonProcess n1 = cluster.node("n1");
    DaemonProcess n2 = cluster.node("n2");
    DaemonProcess n3 = cluster.node("n3");
    n1.cli("tenant", "create", "acme", "--max-volumes", "1", "--max-bytes", "1G");
    // Another node knows the tenant once it has applied its record.
    Poll.until("n2 knows acme", Duration.ofSeconds(60), () -> n2.cliIfOk("tenant", "show", "acme"));
    n2.cli("volume", "create", "a1", "--size", "64M", "--copies", "2", "--tenant", "acme");
    Poll.until("n3 counts a1 for acme", Duration.ofSeconds(60), () -> n3.cliIfOk("tenant", "show", "acme")
        .filter(t -> t.contains("a1")));
    assertThat(n3.cliError("volume", "create", "a2", "--size", "64M", "--copies", "2", "--tenant", "acme").strip())
        .isEqualTo("snipblock: tenant acme: 1 of 1 volumes used");
    assertThat(n3.cli("volume", "list")).doesNotContain("a2");
    n2.kill9();
    JsonNode acme = ProcessCluster.json(n3.cli("tenant", "show", "acme", "--json"));
    assertThat(acme.get("volumes").toString()).isEqualTo("[\"a1\"]");
    assertThat(acme.at("/usage/provisionedBytes").asLong()).isEqualTo(64L << 20);
    assertThat(n1.cli("volume", "show", "a1")).contains("tenant:           acme");
    assertThat(n1.cliError("tenant", "delete", "acme")).contains("tenant acme still owns 1 volume: a1");
  }
}
