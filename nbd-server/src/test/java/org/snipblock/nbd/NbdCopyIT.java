package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StoreConfig;
import org.snipblock.store.VolumeSpec;

/**
 * nbdcopy pushes a random 256 MiB image in and pulls it back out, bit for bit: once over the RAM
 * disk, once over a real volume of the snippet store.
 */
class NbdCopyIT {
  private static final long SIZE = 256L << 20;
  private static final Duration T = Duration.ofSeconds(120);

  @TempDir Path dir;

  @Test
  void randomImageRoundTripsBitForBit() throws Exception {
    Tools.require("nbdcopy");
    Tools.require("nbdinfo");
    Path image = TestImages.random(dir, "in.img", SIZE, 42);

    roundTrip(new MemoryCatalog().add(new MemoryBlockDevice("vol", SIZE, 512, false)), image, "ram.img");

    try (SnippetStore store = SnippetStore.open(dir.resolve("store"), StoreConfig.defaults())) {
      store.create(VolumeSpec.of("vol", SIZE));
      roundTrip(store, image, "store.img");
    }
  }

  private void roundTrip(BlockDeviceCatalog catalog, Path image, String outName) throws Exception {
    Path back = dir.resolve(outName);
    try (RunningServer server = new RunningServer(catalog)) {
      JsonNode map = new ObjectMapper().readTree(
          Tools.run(T, "nbdinfo", "--map", "--json", server.uri("vol")).ok().out());
      assertThat(map.size()).as("a fresh volume is one hole").isEqualTo(1);
      assertThat(map.get(0).get("type").asInt()).isEqualTo(3);
      // Several connections and many requests in flight: exercises CAN_MULTI_CONN and reordering.
      Tools.run(T, "nbdcopy", "--connections=4", "--requests=32", "--flush",
          image.toString(), server.uri("vol")).ok();
      Tools.run(T, "nbdcopy", "--connections=2", "--requests=16",
          server.uri("vol"), back.toString()).ok();
    }
    assertThat(Files.size(back)).isEqualTo(SIZE);
    assertThat(Files.mismatch(image, back)).as(outName).isEqualTo(-1L);
    Files.delete(back);
  }
}
