package org.snipblock.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;

/**
 * How much the store uses and may use: the bytes every layer keeps (snapshots included) against the
 * configured capacity, and the disk's free space (asked at most once a second: a write must not
 * pay a system call each time).
 */
final class SpaceAccounting {
  private final Path dataDir;
  private final StoreConfig config;
  private final Map<Long, Layer> layers;
  private volatile long freeDisk;
  private volatile long freeDiskCheckedNanos;

  SpaceAccounting(Path dataDir, StoreConfig config, Map<Long, Layer> layers) {
    this.dataDir = dataDir;
    this.config = config;
    this.layers = layers;
  }

  StoreStats stats(Collection<Volume> volumes, long sstBytes, long journalBytes) {
    long used = 0;
    long errors = 0;
    for (Volume v : volumes) {
      used += LayerReads.usedBytes(v.live(), v.descriptor().size());
      errors += v.checksumErrors.get();
    }
    long capacity = config.capacityBytes();
    if (capacity == 0) {
      try {
        capacity = Files.getFileStore(dataDir).getTotalSpace();
      } catch (IOException e) {
        capacity = -1;
      }
    }
    return new StoreStats(capacity, used, storedBytes(), freeDisk(), sstBytes, journalBytes, volumes.size(), errors);
  }

  /** Refuses a change that would take {@code delta} more bytes than the store may use. */
  void check(long delta) {
    if (delta <= 0) {
      return;
    }
    if (config.capacityBytes() > 0) {
      if (storedBytes() + delta > config.capacityBytes()) {
        throw new BlockDeviceException(Kind.NO_SPACE,
            "store capacity of " + config.capacityBytes() + " bytes is used up");
      }
    }
    if (freeDisk() - delta < config.minFreeDiskBytes()) {
      throw new BlockDeviceException(Kind.NO_SPACE, "the disk holding " + dataDir + " is full");
    }
  }

  /** Bytes every layer of every volume keeps, snapshots included. */
  private long storedBytes() {
    long stored = 0;
    for (Layer l : layers.values()) {
      stored += l.map.storedBytes();
    }
    return stored;
  }

  private long freeDisk() {
    long now = System.nanoTime();
    if (now - freeDiskCheckedNanos > TimeUnit.SECONDS.toNanos(1) || freeDiskCheckedNanos == 0) {
      try {
        freeDisk = Files.getFileStore(dataDir).getUsableSpace();
      } catch (IOException e) {
        freeDisk = Long.MAX_VALUE;
      }
      freeDiskCheckedNanos = now;
    }
    return freeDisk;
  }
}
