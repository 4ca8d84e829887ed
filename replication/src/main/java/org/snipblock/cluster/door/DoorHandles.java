package org.snipblock.cluster.door;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a rollback asks of every node's doors: how many handles they have open per volume (a
 * connected NBD client, an iSCSI logical unit in use), and which incarnation of the volume they
 * check handles against (a handle opened at an older one fails: its client reconnects).
 */
public final class DoorHandles {
  private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
  // Per volume, the incarnation as this node last applied it (a lock-free look-up on every request).
  private final Map<String, Long> incarnations = new ConcurrentHashMap<>();

  /** Called as this node applies a change of the volume's record (on the metadata thread: only a map update). */
  public void applied(String volume, long incarnation) {
    incarnations.put(volume, incarnation);
  }

  /** The volume's incarnation as this node last applied it, or {@code otherwise} before any change. */
  public long incarnation(String volume, long otherwise) {
    return incarnations.getOrDefault(volume, otherwise);
  }

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
