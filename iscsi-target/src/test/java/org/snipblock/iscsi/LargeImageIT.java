package org.snipblock.iscsi;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.MemoryCatalog;

/**
 * The bar for a hypervisor-style client: qemu-img writes a 1 GiB image through the
 * target with header digests on and reads it back bit-exact (qemu-img compare).
 */
class LargeImageIT {
  private static final long SIZE = 1L << 30;

  @Test
  void oneGibibyteImageRoundTripsBitExactWithDigests(@TempDir Path dir) throws Exception {
    ExternalTool.require("qemu-img");
    Path image = dir.resolve("big.raw");
    Random random = new Random(2026);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(image)) {
      for (long written = 0; written < SIZE; written += chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk);
      }
    }
    try (IscsiTarget target = new IscsiTarget(IscsiTargetConfig.defaults(),
        new MemoryCatalog().add("big", SIZE))) {
      int port = target.start();
      String opts = RealInitiatorIT.digestOpts(port, "big");
      ExternalTool.run(Duration.ofMinutes(5), Map.of(), List.of("qemu-img", "convert", "-n",
          "-f", "raw", "--target-image-opts", image.toString(), opts)).assertOk();
      ExternalTool.run(Duration.ofMinutes(5), Map.of(), List.of("qemu-img", "compare",
          "--image-opts", "driver=raw,file.driver=file,file.filename=" + image, opts))
          .assertOk();
    }
  }
}
