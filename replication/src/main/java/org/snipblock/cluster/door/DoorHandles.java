package org.snipblock.cluster.door;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many door handles this node has open per volume (a connected NBD client, an iSCSI logical
 * unit in use): what a rollback without --force asks of every node before it pulls the data from
 * under clients.
 */
public final class DoorHandles {
  private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();

  void opened(String volume) {
    open.computeIfAbsent(volume, v -> new AtomicInteger()).incrementAndGet();
  }

  void closed(String volume) {
    open.computeIfPresent(volume, (v, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  /** Door handles open on the volume here now. */
  public int count(String volume) {
    AtomicInteger n = open.get(volume);
    return n == null ? 0 : n.get();
  }
}
