package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snipblock.block.LaggingCatalog;
import org.snipblock.block.MemoryBlockDevice;

/**
 * A client naming an export the node's catalog has not applied yet (a volume created a moment ago
 * through another cluster node) is served once the catalog caught up; a name that stays unknown
 * is refused after one catch-up per connection. Real clients: nbdinfo, whose --map sends several
 * options (meta context, then GO) that wait in order behind the catch-up.
 */
class CatalogCatchUpIT {
  private static final Duration T = Duration.ofSeconds(30);
  private static final long SIZE = 8L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private RunningServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void anExportTheCatalogAppliesLateIsServedAfterItCaughtUp() throws Exception {
    Tools.require("nbdinfo");
    LaggingCatalog catalog = new LaggingCatalog().add(new MemoryBlockDevice("known", SIZE, 512, false))
        .addLate(new MemoryBlockDevice("late", SIZE, 512, false));
    server = new RunningServer(catalog);

    JsonNode map = JSON.readTree(Tools.run(T, "nbdinfo", "--map", "--json", server.uri("late")).ok().out());
    assertThat(map.get(0).get("length").asLong()).isEqualTo(SIZE);
    assertThat(catalog.catchUps()).isEqualTo(1);

    JsonNode info = JSON.readTree(Tools.run(T, "nbdinfo", "--json", server.uri("known")).ok().out());
    assertThat(info.get("exports").get(0).get("export-size").asLong()).isEqualTo(SIZE);
    assertThat(catalog.catchUps()).as("a known export asks nothing").isEqualTo(1);

    catalog.addLate(new MemoryBlockDevice("listed", SIZE, 512, false));
    assertThat(Tools.run(T, "nbdinfo", "--list", "--json", server.uri("")).ok().out())
        .as("a list catches up first").contains("\"listed\"");
    assertThat(catalog.catchUps()).isEqualTo(2);

    Tools.Result never = Tools.run(T, "nbdinfo", server.uri("never"));
    assertThat(never.exit()).isNotZero();
    assertThat(never.err()).contains("for export: never");
    assertThat(catalog.catchUps()).as("one catch-up for the connection, then the miss is final").isEqualTo(3);
  }
}
