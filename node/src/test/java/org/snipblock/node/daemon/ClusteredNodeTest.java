package org.snipblock.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.node.cli.Main;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.testing.Poll;

/**
 * A node started with a cluster port (a one-node cluster here): the admin API and the frontends
 * see the cluster's volumes, and the CLI shows and changes what only a cluster knows.
 */
class ClusteredNodeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  record Result(int status, String out, String err) {}

  private static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(status, out.toString(), err.toString());
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aClusterMemberServesReplicatedVolumesThroughTheAdminApiAndCli() throws Exception {
    int clusterPort = freePort();
    NodeConfig config = NodeConfig.resolve(new NodeOptions(dir, "127.0.0.1", 0, 0, 0, List.of(), "n1",
        "eu1/fc1/r1/h1", clusterPort, List.of("127.0.0.1:" + clusterPort)));
    try (Node node = NodeLauncher.launch(config)) {
      String admin = node.info().adminAddress();
      JsonNode status = Poll.until("n1 registered and UP", Duration.ofSeconds(60), () -> {
        Result r = cli("cluster", "status", "--json", "--admin", admin);
        return Optional.of(json(r)).filter(j -> j.get("nodes").size() == 1
            && j.get("nodes").get(0).get("state").asText().equals("UP"));
      });
      assertThat(status.get("self").asText()).isEqualTo("n1");
      assertThat(status.get("nodes").get(0).get("location").asText()).isEqualTo("eu1/fc1/r1/h1");
      assertThat(status.get("nodes").get(0).get("capacityBytes").asLong()).isPositive();
      assertThat(cli("cluster", "status", "--admin", admin).out()).contains("NODE", "LOCATION", "n1", "eu1/fc1/r1/h1",
          "UP", "round trips", "IOPS", "P99", "THRESHOLDS");
      assertThat(status.get("nodes").get(0).get("iopsThreshold").asLong()).as("none configured").isZero();
      // The node's background budget, as it reports it with its usage (every 2 s).
      JsonNode background = Poll.until("n1's background budget reported", Duration.ofSeconds(60),
          () -> Optional.ofNullable(json(cli("cluster", "status", "--json", "--admin", admin)).get("nodes").get(0)
              .get("background")).filter(b -> !b.isNull()));
      assertThat(background.get("maxBytesPerSecond").asLong()).as("the store's default background-rate")
          .isEqualTo(100L << 20);
      assertThat(background.get("floorBytesPerSecond").asLong()).isEqualTo(10L << 20);
      assertThat(cli("cluster", "status", "--admin", admin).out()).contains(
          "background work (each node's budget, as it last reported it):", "floor 10 MiB/s, max 100 MiB/s");

      Result refused = cli("volume", "create", "three", "--size", "8M", "--copies", "3", "--admin", admin);
      assertThat(refused.status()).as(refused.err()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(refused.err().lines()).hasSize(1);
      assertThat(refused.err()).startsWith("snipblock: ").doesNotContain("internal error");

      Result created = cli("volume", "create", "vol0", "--size", "8M", "--copies", "1", "--mode", "sync",
          "--spread", "host", "--json", "--admin", admin);
      assertThat(created.status()).as(created.err()).isZero();
      JsonNode v = JSON.readTree(created.out());
      assertThat(v.get("primary").asText()).isEqualTo("n1");
      assertThat(v.get("mode").asText()).isEqualTo("sync");
      assertThat(v.get("copies").asInt()).isEqualTo(1);
      assertThat(v.get("snippetReplicas").get(0)).hasSize(1);
      assertThat(v.get("snippetReplicas").get(0).get(0).asText()).isEqualTo("n1");

      // The frontends' catalog is the cluster's: the primary opens the volume and its writes land.
      byte[] data = new byte[1 << 20];
      new Random(7).nextBytes(data);
      try (BlockDevice d = node.volumes().open("vol0").orElseThrow()) {
        d.write(0, ByteBuffer.wrap(data), true).get(30, TimeUnit.SECONDS);
        ByteBuffer back = ByteBuffer.allocate(data.length);
        d.read(0, back).get(30, TimeUnit.SECONDS);
        assertThat(back.array()).isEqualTo(data);
      }

      Result async = cli("volume", "set", "vol0", "--mode", "async", "--json", "--admin", admin);
      assertThat(async.status()).as(async.err()).isZero();
      assertThat(JSON.readTree(async.out()).get("mode").asText()).isEqualTo("async");
      Result shown = cli("volume", "show", "vol0", "--admin", admin);
      assertThat(shown.out()).contains("primary:          n1 (epoch", "replication:      async, 1 copies",
          "stripes 0-", "on n1");

      // A per-stripe override: only stripe 0 goes back to sync, then follows the volume again.
      int count = v.get("snippetReplicas").size();
      Result one = cli("volume", "set", "vol0", "--mode", "sync", "--stripes", "0", "--json", "--admin", admin);
      assertThat(one.status()).as(one.err()).isZero();
      JsonNode modes = JSON.readTree(one.out()).get("snippetModes");
      assertThat(modes).hasSize(count);
      assertThat(modes.get(0).asText()).isEqualTo("sync");
      for (int i = 1; i < count; i++) {
        assertThat(modes.get(i).asText()).as("stripe %d keeps the volume's mode", i).isEqualTo("async");
      }
      assertThat(JSON.readTree(one.out()).get("mode").asText()).as("the volume's own mode").isEqualTo("async");
      assertThat(cli("volume", "show", "vol0", "--admin", admin).out()).contains("stripe 0", "sync (override)");
      Result beyond = cli("volume", "set", "vol0", "--mode", "sync", "--stripes", "0-" + count, "--admin", admin);
      assertThat(beyond.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(beyond.err().strip()).isEqualTo("snipblock: volume vol0 has " + count + " stripes (0-" + (count - 1)
          + "); stripe " + count + " is not one of them");
      Result follow = cli("volume", "set", "vol0", "--mode", "volume", "--stripes", "0", "--json", "--admin", admin);
      assertThat(follow.status()).as(follow.err()).isZero();
      assertThat(JSON.readTree(follow.out()).get("snippetModes")).extracting(JsonNode::asText).containsOnly("async");

      // A policy one node cannot hold is refused, nothing changed.
      Result two = cli("volume", "set", "vol0", "--copies", "2", "--admin", admin);
      assertThat(two.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(two.err().strip()).startsWith("snipblock: volume vol0 cannot have copies=2 spread=")
          .endsWith("; nothing changed");
      Result same = cli("volume", "set", "vol0", "--copies", "1", "--json", "--admin", admin);
      assertThat(same.status()).as(same.err()).isZero();
      assertThat(JSON.readTree(same.out()).get("summary").asText()).endsWith("0 copies added, 0 dropped");

      // One copy, the primary's: verify compares it with itself and finds it whole.
      Result verified = cli("volume", "verify", "vol0", "--json", "--admin", admin);
      assertThat(verified.status()).as(verified.err()).isZero();
      JsonNode report = JSON.readTree(verified.out());
      assertThat(report.get("clean").asBoolean()).isTrue();
      assertThat(report.get("copies")).hasSize(1);
      assertThat(report.get("copies").get(0).get("node").asText()).isEqualTo("n1");
      assertThat(cli("volume", "verify", "vol0", "--repair", "--admin", admin).out())
          .contains("all copies agree", "NODE", "n1", "primary");

      // Clones and read-only volumes on a cluster: through the parent's primary, counted cluster-wide.
      assertThat(cli("volume", "snapshot", "vol0", "s1", "--admin", admin).status()).isZero();
      Result cloned = cli("volume", "clone", "vol0@s1", "web", "--size", "16M", "--admin", admin);
      assertThat(cloned.status()).as(cloned.err()).isZero();
      assertThat(cli("volume", "show", "web", "--admin", admin).out()).contains("clone of:", "vol0@s1");
      try (BlockDevice d = node.volumes().open("web").orElseThrow()) {
        ByteBuffer back = ByteBuffer.allocate(data.length);
        d.read(0, back).get(30, TimeUnit.SECONDS);
        assertThat(back.array()).as("the clone reads its parent's snapshot").isEqualTo(data);
      }
      Result inUse = cli("volume", "snapshot-delete", "vol0", "s1", "--admin", admin);
      assertThat(inUse.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(inUse.err().strip()).isEqualTo("snipblock: snapshot vol0@s1 is used by clones web; flatten or "
          + "delete them first");
      assertThat(cli("volume", "delete", "vol0", "--admin", admin).err()).contains("has clones", "web");
      assertThat(cli("volume", "verify", "vol0", "--admin", admin).out()).contains("SNAPSHOTS", "all copies agree");
      // Diff and export read the snapshots from a complete copy in sync (here the only one).
      try (BlockDevice d = node.volumes().open("vol0").orElseThrow()) {
        d.write(128 << 10, ByteBuffer.wrap(new byte[8192]), true).get(30, TimeUnit.SECONDS);
      }
      Result diff = cli("volume", "diff", "vol0", "--from", "s1", "--json", "--admin", admin);
      assertThat(diff.status()).as(diff.err()).isZero();
      JsonNode changed = JSON.readTree(diff.out());
      assertThat(changed.get("changedBytes").asLong()).isEqualTo(8192);
      Path stream = dir.resolve("vol0-s1.snb");
      Result exported = cli("volume", "export", "vol0@s1", stream.toString(), "--admin", admin);
      assertThat(exported.status()).as(exported.err()).isZero();
      byte[] back = new byte[8 << 20];
      try (java.io.InputStream in = java.nio.file.Files.newInputStream(stream)) {
        org.snipblock.node.backup.StreamReader reader = new org.snipblock.node.backup.StreamReader(in);
        for (org.snipblock.node.backup.StreamReader.Extent e = reader.next(); e != null; e = reader.next()) {
          if (!e.zero()) {
            System.arraycopy(e.data(), 0, back, (int) e.offset(), (int) e.length());
          }
        }
      }
      assertThat(java.util.Arrays.copyOf(back, data.length)).as("the exported snapshot").isEqualTo(data);
      Result template = cli("volume", "create", "tmpl", "--size", "8M", "--copies", "1", "--read-only", "--json",
          "--admin", admin);
      assertThat(template.status()).as(template.err()).isZero();
      assertThat(JSON.readTree(template.out()).get("readOnly").asBoolean()).isTrue();
      Result writable = cli("volume", "set", "tmpl", "--read-only", "false", "--json", "--admin", admin);
      assertThat(writable.status()).as(writable.err()).isZero();
      assertThat(JSON.readTree(writable.out()).path("readOnly").asBoolean()).isFalse();

      Result unknown = cli("volume", "set", "nope", "--mode", "sync", "--admin", admin);
      assertThat(unknown.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(unknown.err().strip()).isEqualTo("snipblock: no volume named 'nope'");
    }
  }

  private static JsonNode json(Result r) {
    if (r.status() != 0) {
      return JSON.createObjectNode().set("nodes", JSON.createArrayNode());
    }
    try {
      return JSON.readTree(r.out());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
