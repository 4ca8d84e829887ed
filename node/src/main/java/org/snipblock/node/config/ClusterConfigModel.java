package org.snipblock.node.config;

import static org.snipblock.node.config.ConfigValues.value;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.topology.FailureDomain;

/**
 * The config file's {@code cluster:} section: default redundancy of new volumes, the replication
 * data path's tunables, relocation, ALUA and sites ({@link SitesConfigModel}).
 */
final class ClusterConfigModel {
  @JsonProperty("defaults") VolumeDefaultsModel defaults;
  @JsonProperty("replication") ReplicationModel replication;
  @JsonProperty("relocation") RelocationModel relocation;
  @JsonProperty("alua") AluaModel alua;
  @JsonProperty("sites") SitesConfigModel sites;

  ClusterOptions toOptions(Path origin) {
    AluaModel a = alua == null ? new AluaModel() : alua;
    VolumeDefaultsModel d = defaults == null ? new VolumeDefaultsModel() : defaults;
    ReplicationModel r = replication == null ? new ReplicationModel() : replication;
    String where = "config file " + origin + ": cluster.";
    ClusterOptions o = new ClusterOptions(d.copies, d.minCopies,
        value(where + "defaults", () -> d.spread == null ? null : FailureDomain.parse(d.spread)),
        value(where + "defaults", () -> d.mode == null ? null : ReplicationMode.parse(d.mode)),
        value(where + "replication.max-lag", () -> r.maxLag == null ? null : ByteSize.parse(r.maxLag)),
        value(where + "replication.ack-timeout", () -> r.ackTimeout == null ? null : DurationText.parse(r.ackTimeout)),
        value(where + "replication.resync-rate", () -> r.resyncRate == null ? null : ByteSize.parse(r.resyncRate)),
        value(where + "replication.failover-delay",
            () -> r.failoverDelay == null ? null : DurationText.parse(r.failoverDelay)),
        value(where + "replication.rereplication-delay",
            () -> r.rereplicationDelay == null ? null : DurationText.parse(r.rereplicationDelay)),
        value(where + "relocation.capacity-threshold", () -> relocation == null ? null
            : RelocationModel.percent(relocation.capacityThreshold)),
        value(where + "alua.other-sites", () -> a.otherSites == null ? null : AluaPolicy.parseOtherSites(a.otherSites)),
        value(where + "alua.transitioning",
            () -> a.transitioning == null ? null : AluaPolicy.parseTransitioning(a.transitioning)),
        sites == null ? null : sites.toSettings(where + "sites"));
    // Checked here as well as when the node starts, so the error names the file.
    value(where + "defaults", o::volumeDefaults);
    value(where + "replication", o::replication);
    value(where + "relocation.capacity-threshold", o::capacityThreshold);
    return o;
  }

  /** {@code cluster.defaults}: redundancy of volumes created without --copies/--min-copies/--spread/--mode. */
  static final class VolumeDefaultsModel {
    @JsonProperty("copies") Integer copies;
    @JsonProperty("min-copies") Integer minCopies;
    @JsonProperty("spread") String spread;
    @JsonProperty("mode") String mode;
  }

  /** {@code cluster.replication}: the data path's lag bound, ack timeout, resync rate and delays. */
  static final class ReplicationModel {
    @JsonProperty("max-lag") String maxLag;
    @JsonProperty("ack-timeout") String ackTimeout;
    @JsonProperty("resync-rate") String resyncRate;
    @JsonProperty("failover-delay") String failoverDelay;
    @JsonProperty("rereplication-delay") String rereplicationDelay;
  }

  /** {@code cluster.relocation}. */
  static final class RelocationModel {
    @JsonProperty("capacity-threshold") String capacityThreshold;

    /** 80% or 80; null when not given. */
    static Integer percent(String text) {
      if (text == null) {
        return null;
      }
      String t = text.trim();
      t = t.endsWith("%") ? t.substring(0, t.length() - 1).trim() : t;
      if (!t.matches("[0-9]{1,3}")) {
        throw new IllegalArgumentException("invalid percentage '" + text + "': expected a whole number like 80%");
      }
      return Integer.parseInt(t);
    }
  }

  /** {@code cluster.alua} ({@link AluaPolicy}). */
  static final class AluaModel {
    @JsonProperty("other-sites") String otherSites;
    @JsonProperty("transitioning") String transitioning;
  }
}
