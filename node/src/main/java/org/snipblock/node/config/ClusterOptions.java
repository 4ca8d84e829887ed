package org.snipblock.node.config;

import java.time.Duration;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.RelocationSettings;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.meta.ChapKey;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.security.LinkTls;
import org.snipblock.cluster.topology.FailureDomain;

/**
 * The config file's {@code cluster:} section; null where not given. The redundancy fields are the
 * defaults of volumes created without {@code --copies/--min-copies/--spread/--mode}; the others
 * tune this node's replication data path.
 *
 * @param copies              copies of each snippet (n)
 * @param minCopies           copies a sync write needs, and that must be reachable to serve (m)
 * @param spread              level at which the copies must be in distinct failure domains
 * @param mode                sync or async acknowledgement
 * @param maxLagBytes         async: new writes wait while a reachable replica is this far behind
 * @param ackTimeout          sync: a write fails if its quorum has not acknowledged by then
 * @param resyncBytesPerSecond cap on what one resync or re-replication sends per second (0 = none)
 * @param failoverDelay       how long a primary must be gone before a replica takes over
 * @param rereplicationDelay  how long a holder must be gone before its copies are placed elsewhere
 * @param relocation          the {@code cluster.relocation} section: thresholds, move mode, rebalance margin
 * @param standbyInOtherSites ALUA: nodes in other sites report standby ({@link AluaPolicy})
 * @param refuseInTransition  ALUA: a transitioning path refuses commands ({@link AluaPolicy})
 * @param explicitTransitions ALUA: SET TARGET PORT GROUPS moves the primary ({@link AluaPolicy})
 * @param sites               the {@code cluster.sites} section: sync bound, automatic mode control,
 *                            ballooning, a test's simulated WAN (null: built-in, no simulation)
 * @param tls                 the {@code cluster.tls} section: mutual TLS on the links between nodes
 * @param chapKey             the cluster's key that seals volumes' CHAP secrets in the metadata
 *                            ({@code cluster.chap-key}: a file, the same on every node); null: none
 */
public record ClusterOptions(
    Integer copies,
    Integer minCopies,
    FailureDomain spread,
    ReplicationMode mode,
    Long maxLagBytes,
    Duration ackTimeout,
    Long resyncBytesPerSecond,
    Duration failoverDelay,
    Duration rereplicationDelay,
    RelocationSettings relocation,
    Boolean standbyInOtherSites,
    Boolean refuseInTransition,
    Boolean explicitTransitions,
    SiteSettings sites,
    LinkTls tls,
    ChapKey chapKey) {
  public static final ClusterOptions NONE =
      new ClusterOptions(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

  /** True when the source says nothing about the cluster. */
  public boolean isEmpty() {
    return equals(NONE);
  }

  /** This source laid over {@code below}: fields given here win. */
  public ClusterOptions over(ClusterOptions below) {
    return new ClusterOptions(
        copies != null ? copies : below.copies,
        minCopies != null ? minCopies : below.minCopies,
        spread != null ? spread : below.spread,
        mode != null ? mode : below.mode,
        maxLagBytes != null ? maxLagBytes : below.maxLagBytes,
        ackTimeout != null ? ackTimeout : below.ackTimeout,
        resyncBytesPerSecond != null ? resyncBytesPerSecond : below.resyncBytesPerSecond,
        failoverDelay != null ? failoverDelay : below.failoverDelay,
        rereplicationDelay != null ? rereplicationDelay : below.rereplicationDelay,
        relocation != null ? relocation : below.relocation,
        standbyInOtherSites != null ? standbyInOtherSites : below.standbyInOtherSites,
        refuseInTransition != null ? refuseInTransition : below.refuseInTransition,
        explicitTransitions != null ? explicitTransitions : below.explicitTransitions,
        sites != null ? sites : below.sites,
        tls != null ? tls : below.tls,
        chapKey != null ? chapKey : below.chapKey);
  }

  /** The relocation settings given, or the built-in ones (no thresholds). */
  public RelocationSettings relocationSettings() {
    return relocation != null ? relocation : RelocationSettings.defaults();
  }

  /** How the iSCSI door reports the paths: the defaults where nothing is given. */
  public AluaPolicy alua() {
    return new AluaPolicy(standbyInOtherSites != null ? standbyInOtherSites : AluaPolicy.DEFAULT.standbyInOtherSites(),
        refuseInTransition != null ? refuseInTransition : AluaPolicy.DEFAULT.refuseInTransition(),
        explicitTransitions != null ? explicitTransitions : AluaPolicy.DEFAULT.explicitTransitions());
  }

  /**
   * The default redundancy of new volumes: the built-in one where nothing is given; copies without
   * min-copies asks for a majority of them, as {@code volume create --copies} does.
   *
   * @throws IllegalArgumentException naming the bad value
   */
  public RedundancyPolicy volumeDefaults() {
    RedundancyPolicy d = RedundancyPolicy.defaults();
    int n = copies != null ? copies : d.copies();
    int m = minCopies != null ? minCopies : copies != null ? n / 2 + 1 : d.minCopies();
    return new RedundancyPolicy(n, m, spread != null ? spread : d.spread(), mode != null ? mode : d.mode());
  }

  /** The sites settings given, or the built-in ones. */
  public SiteSettings siteSettings() {
    return sites != null ? sites : SiteSettings.defaults();
  }

  /** @throws IllegalArgumentException naming the bad value */
  public ReplicationSettings replication() {
    ReplicationSettings d = ReplicationSettings.defaults();
    long lag = maxLagBytes != null ? maxLagBytes : d.maxLagBytes();
    Duration ack = ackTimeout != null ? ackTimeout : d.ackTimeout();
    // The record's own checks lump some of these together; the operator needs the key at fault.
    if (lag <= 0) {
      throw new IllegalArgumentException("max-lag must be positive (async writes wait beyond it), got " + lag);
    }
    if (ack.isZero()) {
      throw new IllegalArgumentException("ack-timeout must be positive, got 0");
    }
    return new ReplicationSettings(lag, ack,
        resyncBytesPerSecond != null ? resyncBytesPerSecond : d.resyncBytesPerSecond(),
        failoverDelay != null ? failoverDelay : d.failoverDelay(),
        rereplicationDelay != null ? rereplicationDelay : d.rereplicationDelay());
  }
}
