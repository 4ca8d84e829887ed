package org.snipblock.cluster.follow;

import java.util.List;

/**
 * How a volume follows its consumer and fits its links, as {@code volume show} reports it.
 *
 * @param consumer        where it is consumed (SITE[/...]), "" when not recorded
 * @param autoMode        the primary switches its mode itself ({@code --mode auto})
 * @param catchingUp      the primary throttles writes that outrun replication until the lag converges
 * @param switches        the latest automatic mode switches, oldest first
 * @param reach           its response time: the slowest link between two holders of a snippet
 * @param slowLink        sync replication over a link slower than the sync bound
 * @param syncBoundMillis the configured sync bound
 * @param measured        what its primary measures (empty on other nodes)
 */
public record FollowView(String consumer, boolean autoMode, boolean catchingUp, List<Switch> switches,
    RttMatrix.Reach reach, boolean slowLink, double syncBoundMillis,
    java.util.Optional<FollowControl.Measured> measured) {

  /** One automatic mode switch. */
  public record Switch(String from, String to, String reason, long atMillis) {}
}
