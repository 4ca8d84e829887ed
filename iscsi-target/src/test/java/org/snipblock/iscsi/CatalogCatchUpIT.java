package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snipblock.block.LaggingCatalog;
import org.snipblock.block.MemoryBlockDevice;

/**
 * An initiator logging in to a target the node's catalog has not applied yet (a volume created a
 * moment ago through another cluster node) is let in once the catalog caught up; a target that
 * stays unknown is refused after one catch-up per connection. The initiator is libiscsi's.
 */
class CatalogCatchUpIT {
  private static final Duration T = Duration.ofSeconds(30);

  private IscsiTarget target;

  @AfterEach
  void stop() {
    if (target != null) {
      target.close();
    }
  }

  @Test
  void aTargetTheCatalogAppliesLateAcceptsTheLoginAfterItCaughtUp() throws Exception {
    ExternalTool.require("iscsi-inq", "iscsi-readcapacity16");
    LaggingCatalog catalog = new LaggingCatalog().add(new MemoryBlockDevice("known", 8L << 20, 512, false))
        .addLate(new MemoryBlockDevice("late", 16L << 20, 512, false));
    target = new IscsiTarget(IscsiTargetConfig.defaults(), catalog);
    int port = target.start();

    String cap = ExternalTool.run(T, "iscsi-readcapacity16", url(port, "late")).assertOk().output();
    assertThat(cap).contains("Total size:16777216");
    assertThat(catalog.catchUps()).isEqualTo(1);

    ExternalTool.run(T, "iscsi-inq", url(port, "known")).assertOk();
    assertThat(catalog.catchUps()).as("a known target asks nothing").isEqualTo(1);

    catalog.addLate(new MemoryBlockDevice("listed", 8L << 20, 512, false));
    assertThat(ExternalTool.run(T, "iscsi-ls", "iscsi://127.0.0.1:" + port).assertOk().output())
        .as("a discovery session catches up before SendTargets").contains(IscsiTargetConfig.DEFAULT_PREFIX + "listed");
    int afterDiscovery = catalog.catchUps();
    assertThat(afterDiscovery).isGreaterThanOrEqualTo(2);

    ExternalTool.Result never = ExternalTool.run(T, "iscsi-inq", url(port, "never"));
    assertThat(never.exitCode()).isNotZero();
    assertThat(never.output()).containsIgnoringCase("not found");
    assertThat(catalog.catchUps()).as("one catch-up for the connection, then the miss is final")
        .isEqualTo(afterDiscovery + 1);
  }

  private static String url(int port, String device) {
    return "iscsi://127.0.0.1:" + port + "/" + IscsiTargetConfig.DEFAULT_PREFIX + device + "/0";
  }
}
