package org.snipblock.nbd;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Random disk images for round trips. */
final class TestImages {
  private TestImages() {}

  /** A file of {@code size} random bytes, with a zero run in the middle so sparse paths are used. */
  static Path random(Path dir, String name, long size, long seed) throws IOException {
    Path file = dir.resolve(name);
    SplittableRandom random = new SplittableRandom(seed);
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < size; written += block.length) {
        boolean zeroRun = written >= size / 2 && written < size / 2 + (4 << 20);
        if (zeroRun) {
          java.util.Arrays.fill(block, (byte) 0);
        } else {
          random.nextBytes(block);
        }
        out.write(block, 0, (int) Math.min(block.length, size - written));
      }
    }
    return file;
  }
}
