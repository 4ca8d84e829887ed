package org.snipblock.node.config;

import static org.snipblock.node.config.ConfigValues.value;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import org.snipblock.cluster.meta.ChapKey;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.topology.FailureDomain;

/**
 * The config file's {@code cluster:} section: default redundancy of new volumes, the replication
 * data path's tunables, relocation ({@link RelocationSection}), ALUA, sites ({@link SitesConfigModel}),
 * TLS between nodes ({@link ClusterTlsModel}) and the CHAP key.
 */
final class ClusterConfigModel {
  @JsonProperty("defaults") VolumeDefaultsModel defaults;
  @JsonProperty("replication") ReplicationModel replication;
  @JsonProperty("relocation") RelocationSection relocation;
  @JsonProperty("alua") AluaModel alua;
  @JsonProperty("sites") SitesConfigModel sites;
  @JsonProperty("tls") ClusterTlsModel tls;
  @JsonProperty("chap-key") String chapKey;

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
        relocation == null ? null : relocation.toSettings(where + "relocation"),
        value(where + "alua.other-sites", () -> a.otherSites == null ? null : AluaPolicy.parseOtherSites(a.otherSites)),
        value(where + "alua.transitioning",
            () -> a.transitioning == null ? null : AluaPolicy.parseTransitioning(a.transitioning)),
        value(where + "alua.transitions",
            () -> a.transitions == null ? null : AluaPolicy.parseTransitions(a.transitions)),
        sites == null ? null : sites.toSettings(where + "sites"),
        tls == null ? null : tls.toTls(origin),
        value(where + "chap-key", () -> chapKey == null ? null : ChapKey.read(ConfigValues.relativeTo(origin, chapKey))));
    // Checked here as well as when the node starts, so the error names the file.
    value(where + "defaults", o::volumeDefaults);
    value(where + "replication", o::replication);
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

  /** {@code cluster.alua} ({@link AluaPolicy}). */
  static final class AluaModel {
    @JsonProperty("other-sites") String otherSites;
    @JsonProperty("transitioning") String transitioning;
    @JsonProperty("transitions") String transitions;
  }
}
