package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;

/** What nbdinfo sees: export details, allocation map, advertised capabilities, export list. */
class NbdInfoIT {
  private static final Duration T = Duration.ofSeconds(30);
  private static final long SIZE = 64L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static MemoryBlockDevice fresh;
  private static MemoryBlockDevice written;
  private static RunningServer server;

  @BeforeAll
  static void start() throws Exception {
    Tools.require("nbdinfo");
    fresh = new MemoryBlockDevice("fresh", SIZE, 512, false);
    written = new MemoryBlockDevice("written", SIZE, 512, false);
    ByteBuffer ones = ByteBuffer.allocate(1 << 20);
    while (ones.hasRemaining()) {
      ones.put((byte) 0x5a);
    }
    written.write(4L << 20, ones.flip(), false).join();
    MemoryCatalog catalog = new MemoryCatalog()
        .add(fresh)
        .add(written)
        .add(new MemoryBlockDevice("golden", SIZE, 4096, false));
    ExportPolicies policies = ExportPolicies.of(
        Map.of("golden", ExportPolicy.OPEN.withReadOnly(true).withDescription("golden image")),
        ExportPolicy.OPEN);
    server = new RunningServer(
        NbdServerConfig.plain("127.0.0.1", 0).withExportPolicies(policies), catalog);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void jsonDescribesTheExport() throws Exception {
    JsonNode info = JSON.readTree(Tools.run(T, "nbdinfo", "--json", server.uri("golden")).ok().out());
    JsonNode export = info.get("exports").get(0);
    assertThat(info.get("protocol").asText()).isEqualTo("newstyle-fixed");
    assertThat(export.get("export-name").asText()).isEqualTo("golden");
    assertThat(export.get("description").asText()).isEqualTo("golden image");
    assertThat(export.get("export-size").asLong()).isEqualTo(SIZE);
    assertThat(export.get("is_read_only").asBoolean()).isTrue();
    assertThat(export.get("block_size_minimum").asInt()).isEqualTo(4096);
    assertThat(export.get("block_size_maximum").asInt()).isEqualTo(NbdServerConfig.DEFAULT_MAX_REQUEST_SIZE);
    assertThat(export.get("can_trim").asBoolean()).isFalse();
    assertThat(info.get("TLS").asBoolean()).isFalse();
    List<String> contexts = new ArrayList<>();
    export.get("contexts").forEach(c -> contexts.add(c.asText()));
    assertThat(contexts).containsExactly("base:allocation");
  }

  @Test
  void freshVolumeMapsAsOneHole() throws Exception {
    JsonNode map = JSON.readTree(Tools.run(T, "nbdinfo", "--map", "--json", server.uri("fresh")).ok().out());
    assertThat(map.size()).isEqualTo(1);
    assertThat(map.get(0).get("offset").asLong()).isZero();
    assertThat(map.get(0).get("length").asLong()).isEqualTo(SIZE);
    assertThat(map.get(0).get("type").asInt()).isEqualTo(3); // hole + zero
  }

  @Test
  void writtenRangeMapsAsData() throws Exception {
    JsonNode map = JSON.readTree(Tools.run(T, "nbdinfo", "--map", "--json", server.uri("written")).ok().out());
    assertThat(map.size()).isEqualTo(3);
    assertThat(map.get(0).get("type").asInt()).isEqualTo(3);
    assertThat(map.get(1).get("offset").asLong()).isEqualTo(4L << 20);
    assertThat(map.get(1).get("length").asLong()).isEqualTo(1L << 20);
    assertThat(map.get(1).get("type").asInt()).isEqualTo(0); // allocated data
    assertThat(map.get(2).get("offset").asLong()).isEqualTo(5L << 20);
    assertThat(map.get(2).get("type").asInt()).isEqualTo(3);
  }

  @Test
  void capabilitiesAreAdvertisedTruthfully() {
    for (String can : List.of("flush", "trim", "zero", "fua", "multi-conn", "cache", "fast-zero", "df")) {
      assertThat(Tools.run(T, "nbdinfo", "--can", can, server.uri("fresh")).exit())
          .as("--can " + can).isZero();
    }
    assertThat(Tools.run(T, "nbdinfo", "--is", "read-only", server.uri("fresh")).exit()).isEqualTo(2);
    assertThat(Tools.run(T, "nbdinfo", "--is", "read-only", server.uri("golden")).exit()).isZero();
    assertThat(Tools.run(T, "nbdinfo", "--can", "trim", server.uri("golden")).exit()).isEqualTo(2);
    assertThat(Tools.run(T, "nbdinfo", "--can", "zero", server.uri("golden")).exit()).isEqualTo(2);
  }

  @Test
  void listShowsEveryExport() throws Exception {
    JsonNode list = JSON.readTree(
        Tools.run(T, "nbdinfo", "--list", "--json", "nbd://127.0.0.1:" + server.port).ok().out());
    List<String> names = new ArrayList<>();
    list.get("exports").forEach(e -> names.add(e.get("export-name").asText()));
    assertThat(names).containsExactly("fresh", "golden", "written");
  }

  @Test
  void unknownExportIsAnError() {
    Tools.Result r = Tools.run(T, "nbdinfo", server.uri("nope"));
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("No such file or directory"); // libnbd's reading of NBD_REP_ERR_UNKNOWN
  }
}
