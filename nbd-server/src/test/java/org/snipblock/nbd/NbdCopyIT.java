package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.MemoryBlockDevice;

/** nbdcopy pushes a random 256 MiB image in and pulls it back out, bit for bit. */
class NbdCopyIT {
  private static final long SIZE = 256L << 20;

  @TempDir Path dir;

  @Test
  void randomImageRoundTripsBitForBit() throws Exception {
    Tools.require("nbdcopy");
    Path image = TestImages.random(dir, "in.img", SIZE, 42);
    Path back = dir.resolve("out.img");
    try (RunningServer server = new RunningServer(
        new MapCatalog().add(new MemoryBlockDevice("vol", SIZE, 512, false)))) {
      Duration t = Duration.ofSeconds(120);
      // Several connections and many requests in flight: exercises CAN_MULTI_CONN and reordering.
      Tools.run(t, "nbdcopy", "--connections=4", "--requests=32", "--flush",
          image.toString(), server.uri("vol")).ok();
      Tools.run(t, "nbdcopy", "--connections=2", "--requests=16",
          server.uri("vol"), back.toString()).ok();
    }
    assertThat(Files.size(back)).isEqualTo(SIZE);
    assertThat(Files.mismatch(image, back)).isEqualTo(-1L);
  }
}
