package org.snipblock.cluster.follow;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ResyncProgress;

/**
 * What remains to send to the copies a migration builds, now and a tick ago: per node receiving
 * them, the snippets its resync has still to compare plus the bytes its stream has not had
 * acknowledged. A snippet counts at the snippet size, an upper bound (only chunks that differ are
 * sent), since the resync does not know how much of it differs until it compared it; what its
 * stream carries counts exactly, the resync's own chunks included, as they travel on that stream.
 */
final class CopyBacklog {
  private long now = -1;
  private long previous = -1;

  /**
   * Takes one sample.
   *
   * @param receivers nodes receiving the new copies
   * @param streams   per replica node: {unacknowledged bytes, acknowledged bytes} (as {@link LinkGauge} takes them)
   * @param resyncs   the primary's resyncs, one per holder
   */
  void sample(VolumeRecord v, Set<String> receivers, Map<String, long[]> streams, List<ResyncProgress> resyncs) {
    long total = 0;
    for (String node : receivers) {
      long[] stream = streams.get(node);
      total += uncompared(v, node, resyncs) + (stream == null ? 0 : stream[0]);
    }
    previous = now;
    now = total;
  }

  /**
   * The snippets still to compare: those its running resync has not reached, or, while none runs
   * (not started yet, or finished and not yet on record), every snippet the record lists it stale for.
   */
  private static long uncompared(VolumeRecord v, String node, List<ResyncProgress> resyncs) {
    long snippets = resyncs.stream().filter(r -> r.node().equals(node) && r.running() && "resync".equals(r.purpose()))
        .mapToLong(r -> Math.max(0, r.snippetsTotal() - r.snippetsDone())).findFirst()
        .orElseGet(() -> Stripes.snippetsWhere(v, s -> s.getStaleList().contains(node)).size());
    return snippets * v.getSnippetSize();
  }

  /** Bytes to send now; -1 before the first sample. */
  long now() {
    return now;
  }

  /** Bytes to send a tick ago; -1 until two samples were taken. */
  long previous() {
    return previous;
  }
}
