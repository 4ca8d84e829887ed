package org.snipblock.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The usable space of the file system holding the store, asked at most once a second: a write must
 * not pay a system call each time. Unknown (the call failed) reads as unlimited.
 */
final class FreeDisk {
  private final Path dataDir;
  private volatile long bytes;
  private volatile long checkedNanos;

  FreeDisk(Path dataDir) {
    this.dataDir = dataDir;
  }

  long bytes() {
    long now = System.nanoTime();
    if (now - checkedNanos > TimeUnit.SECONDS.toNanos(1) || checkedNanos == 0) {
      try {
        bytes = Files.getFileStore(dataDir).getUsableSpace();
      } catch (IOException e) {
        bytes = Long.MAX_VALUE;
      }
      checkedNanos = now;
    }
    return bytes;
  }
}
