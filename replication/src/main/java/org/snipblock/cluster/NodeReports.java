package org.snipblock.cluster;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.snipblock.cluster.membership.ClusterMembership;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.meta.MetadataClient;
import org.snipblock.cluster.proto.AnnounceDoor;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeBackground;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.proto.ReportStoreIo;
import org.snipblock.cluster.proto.ReportUsage;
import org.snipblock.cluster.proto.StoreIoLoad;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;
import org.snipblock.store.qos.BackgroundBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node tells the cluster metadata about itself: its registration (retried until a
 * majority commits it), then every few seconds its capacity, usage, load and round trips, which
 * placement and {@code cluster status} read, with the state of its background budget.
 */
final class NodeReports {
  private static final Logger log = LoggerFactory.getLogger(NodeReports.class);

  private final ClusterConfig config;
  private final ClusterMetadata metadata;
  private final MetadataClient client;
  private final ClusterMembership membership;
  private final VolumeManager local;
  private final StoreIo io;
  private volatile StoreIo.Sample lastIoReported = new StoreIo.Sample(0, 0);
  private final ScheduledExecutorService timer;
  private final BooleanSupplier inMajority;
  private final BooleanSupplier closed;
  private final CompletableFuture<Void> registered;

  NodeReports(ClusterConfig config, ClusterMetadata metadata, MetadataClient client, ClusterMembership membership,
      VolumeManager local, StoreIo io, ScheduledExecutorService timer, BooleanSupplier inMajority, BooleanSupplier closed,
      CompletableFuture<Void> registered) {
    this.config = config;
    this.metadata = metadata;
    this.client = client;
    this.membership = membership;
    this.local = local;
    this.io = io;
    this.timer = timer;
    this.inMajority = inMajority;
    this.closed = closed;
    this.registered = registered;
  }

  /** Registers this node in the background (completing {@code registered}), then reports its usage periodically. */
  void start(int replicationPort) {
    timer.schedule(() -> register(replicationPort), 0, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::reportUsage, 2, 2, TimeUnit.SECONDS);
  }

  private void register(int replicationPort) {
    if (closed.getAsBoolean() || registered.isDone()) {
      return;
    }
    NodeRecord me = NodeRecord.newBuilder().setId(config.nodeId()).setMember(config.cluster().toString())
        .setLocation(config.location().toString())
        .setDataAddress(config.cluster().host() + ":" + replicationPort)
        .setCapacityBytes(config.capacityBytes()).setCapacityThresholdPercent(config.capacityThresholdPercent())
        .setIopsThreshold(config.relocation().iopsThreshold())
        .setLatencyP99ThresholdMicros(config.relocation().latencyP99Threshold().toNanos() / 1000)
        .setJoining(membership.joiningAtRunTime()).setReportedAtMillis(System.currentTimeMillis()).build();
    try {
      client.commit(MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(me)).build());
      log.info("node {} registered in the cluster metadata", config.nodeId());
      awaitOwnRecord(200);
    } catch (RuntimeException e) {
      // Refusals for good: the id taken by another member, or this node removed from the cluster.
      if (e instanceof VolumeAdminException v
          && (v.reason() == Reason.ALREADY_EXISTS || v.reason() == Reason.CONFLICT)) {
        log.error("node {} cannot register: {}", config.nodeId(), e.getMessage());
        registered.completeExceptionally(e);
        return;
      }
      if (e instanceof VolumeAdminException) {
        log.debug("registration of {} not committed yet: {}", config.nodeId(), e.getMessage());
      } else {
        // Anything else must not end the retries (an exception would cancel the timer task).
        log.warn("registration of {} failed, retrying: {}", config.nodeId(), e.toString(), e);
      }
      if (!closed.getAsBoolean()) {
        timer.schedule(() -> register(replicationPort), 1, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Puts this node's iSCSI portal on record once registered, retrying every second until a
   * majority commits it; {@code then} runs once it is committed.
   */
  void announceIscsiPortal(String portal, Runnable then) {
    MetaCommand announce = MetaCommand.newBuilder().setAnnounceDoor(AnnounceDoor.newBuilder()
        .setId(config.nodeId()).setIscsiPortal(portal)).build();
    registered.thenRun(() -> timer.execute(() -> announce(announce, then)));
  }

  private void announce(MetaCommand command, Runnable then) {
    if (closed.getAsBoolean()) {
      return;
    }
    try {
      client.commit(command);
      then.run();
      log.info("node {}: iSCSI door announced at {}", config.nodeId(), command.getAnnounceDoor().getIscsiPortal());
    } catch (RuntimeException e) {
      log.debug("iSCSI door announcement not committed yet: {}", e.toString());
      if (!closed.getAsBoolean()) {
        timer.schedule(() -> announce(command, then), 1, TimeUnit.SECONDS);
      }
    }
  }

  /** Registration counts once this node's own copy of the metadata shows it (the commit may apply here later). */
  private void awaitOwnRecord(int attemptsLeft) {
    if (metadata.node(config.nodeId()).isPresent()) {
      registered.complete(null);
    } else if (attemptsLeft <= 0 || closed.getAsBoolean()) {
      registered.completeExceptionally(new IllegalStateException("own registration never applied locally"));
    } else {
      timer.schedule(() -> awaitOwnRecord(attemptsLeft - 1), 50, TimeUnit.MILLISECONDS);
    }
  }

  private void reportUsage() {
    if (!registered.isDone() || registered.isCompletedExceptionally() || !inMajority.getAsBoolean()) {
      return;
    }
    long used = 0;
    try {
      for (VolumeInfo i : local.list()) {
        used += i.storedBytes();
      }
    } catch (RuntimeException e) {
      log.debug("local usage unavailable: {}", e.toString());
    }
    double loadAvg = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    double load = loadAvg < 0 ? 0 : loadAvg / Runtime.getRuntime().availableProcessors();
    try {
      client.commit(MetaCommand.newBuilder().setReportUsage(ReportUsage.newBuilder().setId(config.nodeId())
          .setCapacityBytes(config.capacityBytes()).setUsedBytes(used).setLoad(load)
          .putAllRttMillis(rttById(idByMember())).setReportedAtMillis(System.currentTimeMillis())
          .setBackground(background(local.background().state()))).build());
    } catch (VolumeAdminException e) {
      log.debug("usage report not committed: {}", e.getMessage());
    }
    reportStoreIo();
  }

  /** The store's I/O as relocation measures it, put on record when it changed (an idle node commits nothing). */
  private void reportStoreIo() {
    StoreIo.Sample now = io.sample();
    if (now.equals(lastIoReported)) {
      return;
    }
    try {
      client.commit(MetaCommand.newBuilder().setReportStoreIo(ReportStoreIo.newBuilder().setId(config.nodeId())
          .setLoad(StoreIoLoad.newBuilder().setIops(now.iops()).setLatencyP99Micros(now.latencyP99Micros())
              .setMeasuredAtMillis(System.currentTimeMillis()))).build());
      lastIoReported = now;
    } catch (VolumeAdminException e) {
      log.debug("store I/O report not committed: {}", e.getMessage());
    }
  }

  static NodeBackground background(BackgroundBudget.State s) {
    return NodeBackground.newBuilder().setRateBytesPerSecond(s.rateBytesPerSecond())
        .setFloorBytesPerSecond(s.floorBytesPerSecond()).setMaxBytesPerSecond(s.maxBytesPerSecond())
        .setActive(s.active()).setClientsBusy(s.clientsBusy()).setWaiting(s.waiting())
        .setGrantedBytes(s.grantedBytes()).build();
  }

  /** Node ids by membership address, for the nodes the metadata knows. */
  Map<String, String> idByMember() {
    Map<String, String> out = new HashMap<>();
    metadata.nodes().forEach(n -> out.put(n.getMember(), n.getId()));
    return out;
  }

  /** This node's round trips to the others, by node id (by address for a member not registered yet). */
  Map<String, Double> rttById(Map<String, String> idByMember) {
    Map<String, Double> out = new TreeMap<>();
    membership.rttMillis().forEach((member, ms) -> out.put(idByMember.getOrDefault(member, member), ms));
    return out;
  }
}
