package org.snipblock.cluster.follow;

import java.util.Locale;
import java.util.Optional;
import org.snipblock.cluster.replica.ReplicationMode;

/**
 * {@code --mode auto}: decides when a volume's primary switches replication between async and
 * sync. To sync when the lag is small and the write rate, projected forward, fits what the link
 * takes (80% of it, so the switch does not stall the writer); back to async when replication stays
 * backlogged, i.e. the oldest change waiting for the replicas is older than the bound (the link
 * holds the writer back). A condition must hold on two ticks in a row, so one burst switches nothing.
 */
final class ModeGovernor {
  static final int TICKS = 2;
  private static final double FIT = 0.8;

  private final SiteSettings settings;
  private int votes;

  ModeGovernor(SiteSettings settings) {
    this.settings = settings;
  }

  /** The switch to make now, with why; empty to stay. */
  Optional<Decision> decide(ReplicationMode mode, LinkGauge gauge, double oldestUnackedSeconds) {
    String why = mode == ReplicationMode.ASYNC ? toSync(gauge) : toAsync(gauge, oldestUnackedSeconds);
    votes = why == null ? 0 : votes + 1;
    if (votes < TICKS) {
      return Optional.empty();
    }
    votes = 0;
    return Optional.of(new Decision(mode == ReplicationMode.ASYNC ? ReplicationMode.SYNC : ReplicationMode.ASYNC, why));
  }

  record Decision(ReplicationMode to, String reason) {}

  private String toSync(LinkGauge g) {
    if (g.lag() > settings.autoSyncLagBytes()) {
      return null;
    }
    if (!Double.isNaN(g.linkRate()) && g.writeRate() > FIT * g.linkRate()) {
      return null;
    }
    return String.format(Locale.ROOT, "lag %s within %s; writes %s/s fit the link (%s)", bytes(g.lag()),
        bytes(settings.autoSyncLagBytes()), bytes((long) g.writeRate()),
        Double.isNaN(g.linkRate()) ? "not measured yet" : bytes((long) g.linkRate()) + "/s");
  }

  private String toAsync(LinkGauge g, double oldestUnackedSeconds) {
    double boundSeconds = settings.autoAsyncWait().toNanos() / 1e9;
    // The age of the oldest write still waiting is itself the evidence that the backlog lasted: it
    // needs no earlier sample. (Requiring the gauge's two-sample backlog as well made a burst count
    // only from its third tick; a burst the link drains in a few seconds, or one tick delayed on a
    // loaded machine, then ended in sync before the second vote, and nothing switched.)
    if (g.lag() == 0 || oldestUnackedSeconds <= boundSeconds) {
      return null;
    }
    return String.format(Locale.ROOT, "writes wait %.0f ms for the replicas (bound %d ms): the link (%s/s) "
        + "does not keep up", oldestUnackedSeconds * 1000, settings.autoAsyncWait().toMillis(),
        Double.isNaN(g.linkRate()) ? "?" : bytes((long) g.linkRate()));
  }

  static String bytes(long n) {
    if (n >= 10L << 20) {
      return (n >> 20) + " MiB";
    }
    if (n >= 1 << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }
    if (n >= 1 << 10) {
      return (n >> 10) + " KiB";
    }
    return n + " B";
  }
}
