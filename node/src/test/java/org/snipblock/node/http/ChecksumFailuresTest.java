package org.snipblock.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.daemon.DataDir;
import org.snipblock.node.daemon.Node;
import org.snipblock.node.testing.Tools;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StoreConfig;
import org.snipblock.store.VolumeSpec;

/**
 * A stored chunk damaged on disk behind a standalone node's back: each read of it through the NBD
 * door (qemu-io) is refused, and /metrics counts every CRC32C mismatch found in
 * {@code snipblock_checksum_failures_total} of its volume; an intact volume counts none.
 */
class ChecksumFailuresTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir Path dir;

  @Test
  void everyChecksumMismatchARealClientMeetsIsCounted() throws Exception {
    Tools.require("qemu-io");
    Path data = dir.resolve("store");
    long id;
    try (SnippetStore store = SnippetStore.open(data, StoreConfig.defaults())) {
      for (String name : List.of("bad", "good")) {
        store.create(new VolumeSpec(name, 1 << 20, 0, 512, false));
        try (BlockDevice d = store.open(name).orElseThrow()) {
          d.write(0, ByteBuffer.wrap(new byte[16384]).put(0, (byte) 1).put(8191, (byte) 2), true).get();
        }
      }
      try (BlockDevice d = store.open("bad").orElseThrow()) {
        id = d.uniqueId();
      }
    }
    damageEverySlot(data.resolve("extents").resolve(String.format("%016x.ext", id)));

    SnippetStore store = SnippetStore.open(data, StoreConfig.defaults());
    java.nio.file.Files.createDirectories(dir.resolve("node"));
    NodeConfig config = NodeConfig.resolve(new NodeOptions(dir.resolve("node"), "127.0.0.1", 0, 0, 0, List.of(),
        "n1", "s1/c1/r1/h1", null, List.of()).withHttpPort(0));
    try (Node node = Node.start(config, DataDir.claim(dir.resolve("node")), store, store)) {
      String nbd = "nbd://127.0.0.1:" + node.info().nbdPort() + "/";
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "read 0 4k", "-c", "read 8k 8k", nbd + "good").ok();
      assertThat(failures(node)).contains("snipblock_checksum_failures_total{volume=\"good\"} 0.0");
      double counted = 0;
      for (int reads = 1; reads <= 2; reads++) {
        Tools.Run refused = Tools.run(60, "qemu-io", "-f", "raw", "-c", "read 4k 512", nbd + "bad");
        assertThat(refused.output()).as("the damaged chunk is never returned").contains("Input/output error");
        String bad = failures(node).lines().filter(l -> l.startsWith("snipblock_checksum_failures_total{volume=\"bad\"} "))
            .findFirst().orElseThrow(() -> new AssertionError("no checksum counter for volume bad"));
        double now = Double.parseDouble(bad.substring(bad.lastIndexOf(' ') + 1));
        assertThat(now).as("read %d of the damaged chunk counted", reads).isGreaterThan(counted);
        counted = now;
      }
    }
  }

  /**
   * Flips a bit in every 4 KiB slot of a volume's extent file (docs/store-layout.md: raw chunk
   * versions, one a slot), as a failing disk would: every chunk the volume stores is then damaged.
   */
  private static void damageEverySlot(Path extentFile) throws IOException {
    try (FileChannel ch = FileChannel.open(extentFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      assertThat(ch.size()).as("%s holds the volume's chunks", extentFile).isPositive();
      for (long at = 100; at < Math.min(ch.size(), 64L << 20); at += 4096) {
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, at);
        ch.write(b.put(0, (byte) (b.get(0) ^ 0x10)).rewind(), at);
      }
    }
  }

  private static String failures(Node node) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.info().httpUrl() + "/metrics"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return String.join("\n", r.body().lines().filter(l -> l.startsWith("snipblock_checksum_failures")).toList());
  }
}
