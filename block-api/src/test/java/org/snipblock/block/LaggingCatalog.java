package org.snipblock.block;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A catalog a moment behind, as a cluster node's copy of the metadata is: a device added late
 * appears only once something asks the catalog to catch up, and that completes on another
 * thread, as a raft barrier's apply does. What it has applied is a {@link MemoryCatalog}.
 */
public final class LaggingCatalog implements BlockDeviceCatalog {
  private final MemoryCatalog applied = new MemoryCatalog();
  private final Map<String, BlockDevice> late = new ConcurrentHashMap<>();
  private final AtomicInteger catchUps = new AtomicInteger();

  public LaggingCatalog add(BlockDevice device) {
    applied.add(device);
    return this;
  }

  /** A device created elsewhere that this catalog has not applied yet. */
  public LaggingCatalog addLate(BlockDevice device) {
    late.put(device.name(), device);
    return this;
  }

  /** How often a caller asked it to catch up. */
  public int catchUps() {
    return catchUps.get();
  }

  @Override
  public List<String> names() {
    return applied.names();
  }

  @Override
  public Optional<BlockDevice> open(String name) {
    return applied.open(name);
  }

  @Override
  public CompletableFuture<Void> catchUp() {
    catchUps.incrementAndGet();
    return CompletableFuture.runAsync(() -> {
      for (String name : List.copyOf(late.keySet())) {
        applied.put(name, late.remove(name));
      }
    });
  }
}
