package org.snipblock.node.testing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;
import org.snipblock.store.VolumeSpec;

/**
 * Volumes in RAM, for testing the admin API and the CLI without a storage engine. Thin like the
 * real store: "used" counts only pages written. A capacity limit lets tests provoke NO_SPACE.
 */
public final class MemoryVolumeManager implements VolumeManager, AutoCloseable {
  private final TreeMap<String, Entry> volumes = new TreeMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final long capacity;
  private boolean closed;

  private record Entry(long id, VolumeSpec spec, MemoryBlockDevice device, Instant created) {}

  public MemoryVolumeManager(long capacity) {
    this.capacity = capacity;
  }

  public MemoryVolumeManager() {
    this(Long.MAX_VALUE);
  }

  @Override
  public synchronized VolumeInfo create(VolumeSpec spec) {
    if (spec.name() == null || !spec.name().matches("[a-z0-9][a-z0-9._-]{0,62}")) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "invalid volume name '" + spec.name() + "'");
    }
    if (volumes.containsKey(spec.name())) {
      throw new VolumeAdminException(Reason.ALREADY_EXISTS, "volume '" + spec.name() + "' already exists");
    }
    if (spec.size() % 4096 != 0) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "size must be a multiple of 4096");
    }
    long provisioned = volumes.values().stream().mapToLong(e -> e.spec().size()).sum();
    if (spec.size() > capacity - provisioned) {
      throw new VolumeAdminException(Reason.NO_SPACE, "no space left for " + spec.size() + " bytes");
    }
    Entry e = new Entry(ids.incrementAndGet(), spec,
        new MemoryBlockDevice(spec.name(), spec.size(), spec.blockSize(), false), Instant.now());
    volumes.put(spec.name(), e);
    return info(e);
  }

  @Override
  public synchronized List<VolumeInfo> list() {
    List<VolumeInfo> out = new ArrayList<>();
    volumes.values().forEach(e -> out.add(info(e)));
    return out;
  }

  @Override
  public synchronized Optional<VolumeInfo> show(String name) {
    return Optional.ofNullable(volumes.get(name)).map(MemoryVolumeManager::info);
  }

  @Override
  public synchronized VolumeInfo resize(String name, long newSize) {
    Entry e = volumes.get(name);
    if (e == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named '" + name + "'");
    }
    // MemoryBlockDevice has a fixed size, so this test double refuses every change of size.
    throw new VolumeAdminException(Reason.FAILED_PRECONDITION,
        "cannot resize '" + name + "' from " + e.spec().size() + " to " + newSize + " in memory");
  }

  @Override
  public synchronized void delete(String name) {
    if (volumes.remove(name) == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named '" + name + "'");
    }
  }

  @Override
  public synchronized List<String> names() {
    return new ArrayList<>(volumes.keySet());
  }

  @Override
  public synchronized Optional<BlockDevice> open(String name) {
    return Optional.ofNullable(volumes.get(name)).map(Entry::device);
  }

  public synchronized boolean closed() {
    return closed;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  private static VolumeInfo info(Entry e) {
    long used = e.device().allocation(0, e.spec().size()).join().stream()
        .filter(x -> !x.hole()).mapToLong(x -> x.length()).sum();
    return new VolumeInfo(e.id(), e.spec().name(), e.spec().size(), 1 << 20, e.spec().blockSize(),
        e.spec().compression(), used, used, (e.spec().size() + (1 << 20) - 1) >> 20, 0, e.created(),
        e.spec().readOnly(), null, null);
  }
}
