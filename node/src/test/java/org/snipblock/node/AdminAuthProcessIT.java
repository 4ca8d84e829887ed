package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;

/**
 * Admin authentication on a running daemon through the real CLI: calls without a valid token are
 * refused; the operator's token may do everything; a tenant's token sees and manages only its own
 * volumes (another tenant's look as if they did not exist) and none of the operator's calls; its
 * usage export holds its own volumes' rows only.
 */
class AdminAuthProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OPERATOR = "op-0123456789abcdef";
  private static final String ACME = "acme-0123456789abcdef";
  private static final String GLOBEX = "globex-0123456789abcdef";

  @TempDir Path tmp;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aTenantTokenSeesAndTouchesOnlyItsOwnVolumes() throws IOException {
    Path config = tmp.resolve("node.yaml");
    Files.writeString(config, """
        admin:
          auth:
            tokens:
              - {token: %s, role: operator}
              - {token: %s, role: "tenant:acme"}
              - {token: %s, role: "tenant:globex"}
        """.formatted(OPERATOR, ACME, GLOBEX));
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data"), "--config", config.toString()).start()) {
      assertThat(node.cliError("volume", "list").strip())
          .isEqualTo("snipblock: this node's admin API requires a token (give --token TOKEN or set SNIPBLOCK_TOKEN)");
      assertThat(node.cliError("volume", "list", "--token", "wrong-0123456789abcdef").strip())
          .isEqualTo("snipblock: the admin token is not valid on this node (give --token TOKEN or set SNIPBLOCK_TOKEN)");
      assertThat(node.log()).contains("refused snipblock.admin.v1.Admin/ListVolumes from /127.0.0.1")
          .doesNotContain("wrong-0123456789abcdef");

      node.cli("tenant", "create", "acme", "--token", OPERATOR);
      node.cli("tenant", "create", "globex", "--token", OPERATOR);
      node.cli("volume", "create", "ops", "64M", "--token", OPERATOR);
      node.cli("volume", "create", "g1", "64M", "--tenant", "globex", "--token", OPERATOR);

      // A tenant's volumes are its own without saying so.
      assertThat(node.cli("volume", "create", "a1", "64M", "--qos", "iops-total=100", "--token", ACME))
          .contains("tenant:           acme");
      assertThat(node.cli("volume", "list", "--token", ACME)).contains("a1").doesNotContain("g1").doesNotContain("ops");
      assertThat(node.cli("volume", "list", "--token", GLOBEX)).contains("g1").doesNotContain("a1");
      assertThat(node.cli("volume", "list", "--token", OPERATOR)).contains("a1").contains("g1").contains("ops");
      node.cli("volume", "resize", "a1", "128M", "--token", ACME);
      node.cli("volume", "set", "a1", "--qos", "iops-total=50", "--token", ACME);

      // Another tenant's volume, or the operator's, looks as if it did not exist.
      for (String[] call : new String[][] {{"volume", "show", "g1"}, {"volume", "delete", "g1"},
          {"volume", "resize", "g1", "128M"}, {"volume", "set", "g1", "--qos", "iops-total=1"}, {"volume", "show", "ops"}}) {
        String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(call), java.util.stream.Stream.of("--token", ACME))
            .toArray(String[]::new);
        assertThat(node.cliError(args).strip()).as(String.join(" ", call)).startsWith("snipblock: no volume named ");
      }
      assertThat(node.cliError("volume", "create", "z", "64M", "--tenant", "globex", "--token", ACME).strip())
          .isEqualTo("snipblock: tenant acme may not create volumes for tenant globex");
      assertThat(node.cliError("tenant", "create", "x", "--token", ACME).strip())
          .isEqualTo("snipblock: tenant acme may not create tenants (operator only)");
      assertThat(node.cliError("volume", "verify", "a1", "--token", ACME).strip())
          .isEqualTo("snipblock: tenant acme may not call snipblock.admin.v1.Admin/VerifyVolume (operator only)");
      // Its own volume's snapshots and clones are its own; they count against its quotas.
      node.cli("volume", "snapshot", "a1", "s1", "--token", ACME);
      assertThat(node.cli("volume", "clone", "a1@s1", "a2", "--token", ACME)).contains("tenant:           acme");
      assertThat(node.cli("volume", "show", "a2", "--token", ACME)).contains("qos:              iops-total=50");
      assertThat(node.cliError("volume", "snapshot", "g1", "s1", "--token", ACME)).contains("no volume named g1");
      node.cli("volume", "delete", "a2", "--token", ACME);
      assertThat(node.cliError("tenant", "show", "globex", "--token", ACME)).contains("no tenant named globex");
      assertThat(node.cli("tenant", "list", "--token", ACME)).contains("acme").doesNotContain("globex");
      assertThat(node.log()).contains("refused snipblock.admin.v1.Admin/DeleteVolume by tenant acme");

      // Nothing of globex's changed.
      assertThat(JSON.readTree(node.cli("volume", "show", "g1", "--json", "--token", OPERATOR))
          .get("provisionedBytes").asLong()).isEqualTo(64L << 20);
      assertThat(node.cli("volume", "show", "g1", "--token", GLOBEX)).contains("qos:              none");

      // The usage export: a tenant's token gets its own volumes' rows, and may not ask for another's.
      Poll.until("a1's and g1's first space in the usage export", Duration.ofSeconds(60), () -> Optional.of(
          node.cli("usage", "export", "--token", OPERATOR)).filter(csv -> csv.contains(",acme,a1,")
              && csv.contains(",globex,g1,") && csv.contains(",,ops,")));
      assertThat(node.cli("usage", "export", "--token", ACME)).contains(",acme,a1,").doesNotContain("globex")
          .doesNotContain(",,ops,");
      assertThat(node.cli("usage", "export", "--tenant", "acme", "--format", "json", "--token", ACME))
          .contains("\"a1\"").doesNotContain("g1");
      assertThat(node.cliError("usage", "export", "--tenant", "globex", "--token", ACME).strip())
          .isEqualTo("snipblock: tenant acme may not export the usage of tenant globex");
      assertThat(node.cli("usage", "export", "--tenant", "globex", "--token", GLOBEX)).contains(",globex,g1,")
          .doesNotContain("acme");
      assertThat(node.cli("usage", "export", "--tenant", "globex", "--token", OPERATOR)).contains(",globex,g1,")
          .doesNotContain("acme").doesNotContain(",,ops,");
      assertThat(node.log()).contains("refused snipblock.admin.v1.Usage/ExportUsage by tenant acme");

      node.cli("volume", "delete", "a1", "--token", ACME);
      assertThat(node.cli("tenant", "show", "acme", "--token", ACME)).contains("volumes:     none");
    }
  }
}
