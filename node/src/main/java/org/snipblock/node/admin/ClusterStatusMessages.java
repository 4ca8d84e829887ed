package org.snipblock.node.admin;

import org.snipblock.cluster.ClusterNode;
import org.snipblock.cluster.ClusterStatus;
import org.snipblock.cluster.follow.FollowControl;
import org.snipblock.node.admin.v1.ModeSwitch;
import org.snipblock.node.admin.v1.SyncGroup;
import org.snipblock.cluster.ClusterVolume;
import org.snipblock.cluster.replica.VerifyReport;
import org.snipblock.node.admin.v1.ClusterNodeStatus;
import org.snipblock.node.admin.v1.CopyCheck;
import org.snipblock.node.admin.v1.ClusterStatusResponse;
import org.snipblock.node.admin.v1.Replication;
import org.snipblock.node.admin.v1.Resync;
import org.snipblock.node.admin.v1.RttRow;
import org.snipblock.node.admin.v1.SnippetReplicas;
import org.snipblock.node.admin.v1.VerifyVolumeResponse;

/** The cluster's reports as admin API messages. */
final class ClusterStatusMessages {
  private ClusterStatusMessages() {}

  /** The cluster's status with the sites its round trips show (nodes within the sync bound of each other). */
  static ClusterStatusResponse of(ClusterNode cluster) {
    ClusterStatusResponse.Builder b = of(cluster.status()).toBuilder()
        .setSyncBoundMillis(cluster.following().settings().syncBoundMillis());
    cluster.following().syncGroups().forEach(g -> b.addSyncGroups(SyncGroup.newBuilder().addAllNodes(g)));
    java.util.Map<String, String> idByMember = new java.util.HashMap<>();
    b.getNodesList().forEach(n -> idByMember.put(n.getMember(), n.getId()));
    cluster.membership().voters().stream().map(m -> idByMember.getOrDefault(m, m)).sorted().forEach(b::addVoters);
    return b.build();
  }

  /** The replication of a volume with how it follows its consumer and fits its links. */
  static Replication replication(ClusterVolume v, ClusterNode cluster) {
    Replication.Builder b = replication(v).toBuilder();
    cluster.volumes().moves(v.name()).forEach(m -> b.addMoving(ClusterAdminService.move(m)));
    b.addAllSites(cluster.volumes().record(v.name()).getSitesList());
    cluster.following().view(v.name()).ifPresent(f -> {
      b.setResponseMillis(f.reach().millis())
          .setResponseLink(f.reach().from().isEmpty() ? "" : f.reach().from() + "-" + f.reach().to())
          .setSlowLink(f.slowLink()).setConsumer(f.consumer()).setAutoMode(f.autoMode())
          .setCatchingUp(f.catchingUp())
          .setThrottleBytesPerSecond(f.measured().map(FollowControl.Measured::throttleRate).orElse(-1L))
          .setWriteBytesPerSecond(f.measured().map(FollowControl.Measured::writeRate).orElse(-1.0))
          .setLinkBytesPerSecond(f.measured().map(m -> Double.isNaN(m.linkRate()) ? -1.0 : m.linkRate()).orElse(-1.0));
      f.measured().filter(FollowControl.Measured::copying).ifPresent(m -> b.setCopying(true)
          .setCopyBacklogBytes(m.copyBacklog()));
      f.switches().forEach(s -> b.addModeSwitches(ModeSwitch.newBuilder().setFrom(s.from()).setTo(s.to())
          .setReason(s.reason()).setAtEpochMillis(s.atMillis())));
    });
    return b.build();
  }

  static ClusterStatusResponse of(ClusterStatus s) {
    ClusterStatusResponse.Builder b = ClusterStatusResponse.newBuilder().setSelf(s.self())
        .setLeader(s.leader() == null ? "" : s.leader()).setTerm(Math.max(0, s.term())).setInMajority(s.inMajority());
    for (ClusterStatus.Node n : s.nodes()) {
      ClusterNodeStatus.Builder node = ClusterNodeStatus.newBuilder();
      if (n.background() != null) {
        node.setBackground(BackgroundMessages.of(n.background()));
      }
      b.addNodes(node.setId(n.id()).setLocation(n.location()).setState(n.state())
          .setCapacityBytes(n.capacityBytes()).setUsedBytes(n.usedBytes()).setLoad(n.load())
          .setReportedEpochMillis(n.reportedAtMillis()).setMember(n.member()).setDataAddress(n.dataAddress())
          .setCapacityThresholdPercent(n.capacityThresholdPercent()).setIopsThreshold(n.iopsThreshold())
          .setLatencyP99ThresholdMicros(n.latencyP99ThresholdMicros()).setStoreIops(n.storeIops())
          .setStoreLatencyP99Micros(n.storeLatencyP99Micros()));
    }
    s.moving().forEach(m -> b.addMoving(ClusterAdminService.move(m)));
    s.rttMillis().forEach((from, to) -> b.addRtt(RttRow.newBuilder().setFrom(from).putAllMillisTo(to)));
    return b.build();
  }

  static Replication replication(ClusterVolume v) {
    Replication.Builder b = Replication.newBuilder().setPrimary(v.primary()).setEpoch(v.epoch()).setMode(v.mode())
        .setCopies(v.copies()).setMinCopies(v.minCopies()).setSpread(v.spread()).setLagBytes(v.lagBytes())
        .setLagSeconds(v.lagSeconds()).addAllUnreachable(v.unreachable()).addAllStale(v.stale());
    v.snippetReplicas().forEach(nodes -> b.addSnippets(SnippetReplicas.newBuilder().addAllNodes(nodes)));
    v.resyncs().forEach(r -> b.addResyncs(Resync.newBuilder().setNode(r.node()).setSnippetsDone(r.snippetsDone())
        .setSnippetsTotal(r.snippetsTotal()).setBytesCopied(r.bytesCopied()).setRunning(r.running())
        .setPurpose(r.purpose() == null ? "" : r.purpose()).setFailure(r.failure() == null ? "" : r.failure())));
    return b.build();
  }

  static VerifyVolumeResponse verify(VerifyReport r) {
    VerifyVolumeResponse.Builder b = VerifyVolumeResponse.newBuilder().setVolume(r.volume()).setEpoch(r.epoch())
        .setPrimary(r.primary()).setChunkSize(r.chunkSize()).setClean(r.clean());
    for (VerifyReport.CopyCheck c : r.copies()) {
      b.addCopies(CopyCheck.newBuilder().setNode(c.node()).setPrimary(c.primary()).setStale(c.stale())
          .setSnippetsCompared(c.snippetsCompared()).setChunksDiffering(c.chunksDiffering())
          .setChunksBadChecksum(c.chunksBadChecksum()).setChunksRepaired(c.chunksRepaired())
          .setError(c.error() == null ? "" : c.error()).setSnapshotsCompared(c.snapshotsCompared())
          .addAllSnapshotsDiffering(c.snapshotsDiffering()));
    }
    return b.build();
  }
}
