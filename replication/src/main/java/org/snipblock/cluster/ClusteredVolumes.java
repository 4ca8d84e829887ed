package org.snipblock.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.Set;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.meta.Clones;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.DeleteVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.ResizeVolume;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.meta.SnippetModes;
import org.snipblock.cluster.proto.SetMode;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.cluster.topology.Location;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;
import org.snipblock.cluster.topology.PlacementPolicy;
import org.snipblock.cluster.topology.SiteList;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;
import org.snipblock.store.VolumeRules;
import org.snipblock.store.VolumeSpec;

/**
 * The cluster's volumes as the admin API and the frontends see them. A volume created here gets
 * this node as its primary (the node the operator or hypervisor talks to is the volume's user) and
 * its copies placed by the node's {@link PlacementPolicy}; the metadata commit decides, so two nodes creating the
 * same name at once cannot both succeed. {@link #open} hands out a door on any volume on every
 * node: a door forwards to the current primary, and follows it through failovers.
 */
public final class ClusteredVolumes implements VolumeManager {
  // Short: a door's client waits this long at most before hearing that a name is unknown.
  private static final java.time.Duration DOOR_CATCH_UP = java.time.Duration.ofSeconds(2);
  private final ClusterNode node;

  ClusteredVolumes(ClusterNode node) {
    this.node = node;
  }

  @Override
  public VolumeInfo create(VolumeSpec spec) {
    return create(spec, node.defaults());
  }

  /** Creates a volume with its redundancy policy; refuses clearly when the topology cannot satisfy it. */
  public VolumeInfo create(VolumeSpec spec, RedundancyPolicy policy) {
    int snippetSize = spec.snippetSize() == 0 ? node.defaultSnippetSize() : spec.snippetSize();
    check(spec, snippetSize);
    long snippets = (spec.size() + snippetSize - 1) / snippetSize;
    int stripes = Stripes.forSnippets(snippets);
    long stripeBytes = Math.multiplyExact((snippets + stripes - 1) / stripes, (long) snippetSize);
    String misfit = SiteList.misfit(policy.sites(), SiteNames.of(node.metadata()), policy.copies());
    if (misfit != null) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "volume " + spec.name() + ": " + misfit);
    }
    PlacementPolicy.Result placed = node.placement().place(descriptors(), new PlacementPolicy.Request(
        policy.copies(), policy.spread(), primaryAmong(policy.sites()), stripeBytes, stripes, policy.sites()));
    VolumeRecord.Builder v = VolumeRecord.newBuilder().setName(spec.name()).setSize(spec.size())
        .setSnippetSize(snippetSize).setBlockSize(spec.blockSize()).setCompression(spec.compression())
        .setCopies(policy.copies()).setMinCopies(policy.minCopies()).setSpread(policy.spread().label())
        .setMode(policy.mode().label()).setPrimary(placed.primary()).setCreatedMillis(System.currentTimeMillis())
        .setReadOnly(spec.readOnly()).addAllSites(policy.sites());
    placed.replicas().forEach(r -> v.addSnippets(SnippetPlacement.newBuilder().addAllNodes(r)));
    VolumeRecord created = node.commit(MetaCommand.newBuilder()
        .setCreateVolume(CreateVolume.newBuilder().setVolume(v)).build());
    return info(appliedHere(created));
  }

  /** This node serves the volumes it creates, unless they are kept in sites it is not in: then placement chooses. */
  private String primaryAmong(List<String> sites) {
    return sites.isEmpty() || SiteNames.siteOf(node.metadata(), node.nodeId()).filter(sites::contains).isPresent()
        ? node.nodeId() : null;
  }

  /**
   * Waits (at most 10 s) until this node's metadata has applied a volume this node committed, so
   * that what the caller does next here (open it through a door, show it) finds it: the commit
   * answers once a majority has it, which this node's state machine may apply a moment later.
   */
  private VolumeRecord appliedHere(VolumeRecord committed) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (node.metadata().volume(committed.getName()).filter(v -> v.getVersion() >= committed.getVersion()).isEmpty()
        && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(5));
    }
    return committed;
  }

  /**
   * Commits a clone of {@code parent@snapshot} as its own volume (own uid, epoch and stream) with
   * the parent link on record. Its snippets are placed where the parent's are, holders the parent
   * lists as stale marked stale here too, so every holder makes its copy as a local clone of its
   * own copy of the snapshot (O(1)); the parent's primary becomes the clone's. Extra snippets of a
   * bigger clone are placed like a new volume's. The caller (the parent's primary) has checked
   * that the snapshot exists at the parent's epoch; the metadata refuses the clone if that moved on.
   */
  VolumeInfo cloneOf(VolumeRecord parent, String snapshot, String name, long newSize) {
    long size = newSize == 0 ? parent.getSize() : newSize;
    if (size < parent.getSize()) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "a clone cannot be smaller than its parent ("
          + parent.getSize() + " bytes), not " + size);
    }
    VolumeSpec spec = new VolumeSpec(name, size, parent.getSnippetSize(), parent.getBlockSize(),
        parent.getCompression());
    check(spec, parent.getSnippetSize());
    VolumeRecord.Builder v = VolumeRecord.newBuilder().setName(name).setSize(size)
        .setSnippetSize(parent.getSnippetSize()).setBlockSize(parent.getBlockSize())
        .setCompression(parent.getCompression()).setCopies(parent.getCopies()).setMinCopies(parent.getMinCopies())
        .setSpread(parent.getSpread()).addAllSites(parent.getSitesList()).setMode(parent.getMode())
        .setPrimary(parent.getPrimary())
        .setCreatedMillis(System.currentTimeMillis()).setParent(parent.getName()).setParentSnapshot(snapshot)
        .setParentUid(parent.getUid());
    // The parent's stripes, as they are: each snippet of the clone then sits where the parent's copy
    // it shares is. A bigger clone's new snippets fall on the same stripes (a copy of its few entries).
    for (SnippetPlacement p : parent.getSnippetsList()) {
      v.addSnippets(SnippetPlacement.newBuilder().addAllNodes(p.getNodesList()).addAllStale(p.getStaleList()));
    }
    return info(appliedHere(node.commit(MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
        .setVolume(v).setParentEpoch(parent.getEpoch())).build())));
  }

  /** Switches a volume between synchronous and asynchronous replication, live. */
  public void setMode(String volume, ReplicationMode mode) {
    node.commit(MetaCommand.newBuilder().setSetMode(SetMode.newBuilder().setName(volume).setMode(mode.label())).build());
  }

  /**
   * Overrides the mode of only the given snippet indexes, live (a migration's per-snippet switch);
   * {@code mode} null clears their override so they follow the volume's mode again. An empty list
   * means the whole volume, as {@link #setMode(String, ReplicationMode)}. Throws
   * {@link VolumeAdminException} (INVALID_ARGUMENT for an index the volume does not have).
   */
  public void setMode(String volume, ReplicationMode mode, List<Long> snippets) {
    if (mode == null && snippets.isEmpty()) {
      throw new VolumeAdminException(Reason.INVALID_ARGUMENT, "a volume's own mode cannot be cleared, only set");
    }
    node.commit(MetaCommand.newBuilder().setSetMode(SetMode.newBuilder().setName(volume)
        .setMode(mode == null ? "" : mode.label()).addAllSnippets(snippets)).build());
  }

  /** Each stripe's mode, by stripe index: its override, or the volume's mode. */
  public List<ReplicationMode> snippetModes(String volume) {
    VolumeRecord v = node.metadata().volume(volume).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + volume));
    return java.util.stream.IntStream.range(0, v.getSnippetsCount())
        .mapToObj(i -> ReplicationMode.parse(SnippetModes.effective(v, i))).toList();
  }

  /** The volume's record as this node has applied it; NOT_FOUND if there is none. */
  public VolumeRecord record(String name) {
    return node.metadata().volume(name).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + name));
  }

  /**
   * Changes a live volume's copies, min-copies and spread: new copies are built (resynced by the
   * primary) and old ones dropped only once the new ones are in sync ({@link RedundancyChange}).
   * Returns once done, or fails after {@code timeout} with the new copies still on their way.
   */
  public String setRedundancy(String volume, int copies, int minCopies, FailureDomain spread, Duration timeout) {
    return setRedundancy(volume, copies, minCopies, spread,
        node.metadata().volume(volume).<List<String>>map(VolumeRecord::getSitesList).orElse(List.of()), timeout);
  }

  /** As above, keeping the copies in {@code sites} (each holding a copy of every snippet; empty = any site). */
  public String setRedundancy(String volume, int copies, int minCopies, FailureDomain spread, List<String> sites,
      Duration timeout) {
    RedundancyChange.Result r = new RedundancyChange(node).apply(volume, copies, minCopies, spread, sites, timeout);
    return "volume " + r.volume() + ": copies " + r.copies() + " (min " + r.minCopies() + "), spread " + r.spread()
        + (r.sites().isEmpty() ? "" : ", sites " + String.join(",", r.sites())) + ": " + r.added()
        + (r.added() == 1 ? " copy" : " copies") + " added, " + r.dropped() + " dropped";
  }

  /** Makes a volume read-only (its primary refuses writes; every door says so) or writable again. */
  public VolumeInfo setReadOnly(String name, boolean readOnly) {
    return info(node.commit(MetaCommand.newBuilder().setSetReadOnly(
        org.snipblock.cluster.proto.SetReadOnly.newBuilder().setName(name).setReadOnly(readOnly)).build()));
  }

  /**
   * Sets the volume's I/O limits ({@code limits} null keeps them, none lifts them) and/or its group
   * ({@code group} null keeps it, "" or "none" leaves it); its primary applies them at once.
   */
  public void setQos(String name, org.snipblock.store.qos.QosLimits limits, String group) {
    org.snipblock.cluster.proto.SetQos.Builder b = org.snipblock.cluster.proto.SetQos.newBuilder().setName(name)
        .setQos(limits == null ? "" : limits.text());
    if (group != null) {
      b.setSetGroup(true).setGroup(group);
    }
    node.commit(MetaCommand.newBuilder().setSetQos(b).build());
  }

  /** Raises the volume's incarnation (returned): every door handle on it opened before fails from then on (a rollback). */
  long reincarnate(String name) {
    return node.commit(MetaCommand.newBuilder().setReincarnate(
        org.snipblock.cluster.proto.Reincarnate.newBuilder().setName(name)).build()).getIncarnation();
  }

  /** The same rules every node's store applies, checked before anything is committed. */
  private static void check(VolumeSpec spec, int snippetSize) {
    VolumeRules.check(spec);
    VolumeRules.checkSnippetSize(snippetSize);
  }

  /** The cluster's nodes as placement sees them (see {@link NodeStates}). */
  List<NodeDescriptor> descriptors() {
    return NodeStates.descriptors(node.metadata().nodes(), node.view());
  }

  @Override
  public List<VolumeInfo> list() {
    return node.metadata().volumes().stream().map(this::info).toList();
  }

  @Override
  public Optional<VolumeInfo> show(String name) {
    return node.metadata().volume(name).map(this::info);
  }

  /** The cluster view of a volume: primary, epoch, mode, lag and per-snippet replica locations. */
  public Optional<ClusterVolume> describe(String name) {
    return node.metadata().volume(name).map(v -> {
      Optional<ReplicatedBlockDevice> d = node.primaryDevice(name).filter(ReplicatedBlockDevice::primary);
      return new ClusterVolume(v.getName(), v.getUid(), v.getSize(), v.getSnippetSize(), v.getBlockSize(),
          v.getCopies(), v.getMinCopies(), v.getSpread(), v.getMode(), v.getPrimary(), v.getEpoch(),
          d.map(ReplicatedBlockDevice::lagBytes).orElse(-1L),
          d.map(ReplicatedBlockDevice::lagSeconds).orElse(-1.0),
          d.map(ReplicatedBlockDevice::unreachableReplicas).orElse(List.of()),
          StaleCopies.nodes(v),
          d.map(ReplicatedBlockDevice::resyncProgress).orElse(List.of()),
          v.getSnippetsList().stream().map(s -> List.copyOf(s.getNodesList())).toList());
    });
  }

  /** The copy moves of {@code name} under way (none for an unknown volume). */
  public List<ClusterStatus.Move> moves(String name) {
    return node.metadata().volume(name).map(v -> RunningMoves.of(v, node.metadata())).orElse(List.of());
  }

  /**
   * Chunks of this node's copy of {@code name} that failed their checksum and were restored from a
   * replica since the volume's device opened here; 0 where this node is not the primary.
   */
  public long checksumRepairs(String name) {
    return node.primaryDevice(name).filter(ReplicatedBlockDevice::primary)
        .map(ReplicatedBlockDevice::chunksRestored).orElse(0L);
  }

  @Override
  public VolumeInfo resize(String name, long newSize) {
    VolumeRecord v = node.metadata().volume(name).orElseThrow(() ->
        new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + name));
    if (newSize < v.getSize()) {
      throw new VolumeAdminException(Reason.FAILED_PRECONDITION, "volume " + name + " is " + v.getSize()
          + " bytes; shrinking to " + newSize + " would destroy data and is refused");
    }
    VolumeRules.checkSize(newSize);
    // New snippets fall on the volume's stripes: growing changes no placement.
    ResizeVolume.Builder r = ResizeVolume.newBuilder().setName(name).setSize(newSize);
    return info(node.commit(MetaCommand.newBuilder().setResizeVolume(r).build()));
  }

  @Override
  public void delete(String name) {
    node.commit(MetaCommand.newBuilder().setDeleteVolume(DeleteVolume.newBuilder().setName(name)).build());
    node.awaitReconciled(name, null);
  }

  /** The budget this node's resyncs, scrubs and flattens ask before each piece: its local store's. */
  @Override
  public org.snipblock.store.qos.BackgroundBudget background() {
    return node.local().background();
  }

  @Override
  public List<String> names() {
    return node.metadata().volumes().stream().map(VolumeRecord::getName).sorted().toList();
  }

  /**
   * A door on the volume, on any node: it runs requests on this node's replicated device while this
   * node is the primary and forwards them to the primary otherwise, following the primary through
   * failovers (see {@link org.snipblock.cluster.door.VolumeDoor}). Empty only for an unknown volume.
   */
  @Override
  public Optional<BlockDevice> open(String name) {
    if (name.indexOf('@') >= 0) {
      // A snapshot is the same on every copy and never changes: this node's copy serves it, if it has one.
      return node.local().open(name);
    }
    return node.doors().open(name);
  }

  /** This node's copy of the metadata catches up (see {@link ClusterNode#catchUp}): a door's miss is final after it. */
  @Override
  public CompletableFuture<Void> catchUp() {
    return node.catchUp(DOOR_CATCH_UP);
  }

  /**
   * The volume's replicated device itself, only if this node is its serving primary now; for tools
   * and tests that must talk to one primary and see it refuse once fenced, rather than follow the
   * volume to its next primary as a door does.
   */
  public Optional<BlockDevice> openPrimary(String name) {
    return node.primaryDevice(name).filter(ReplicatedBlockDevice::primary).map(VolumeHandle::new);
  }

  private VolumeInfo info(VolumeRecord v) {
    Optional<VolumeInfo> here = node.local().show(v.getName());
    return new VolumeInfo(v.getUid(), v.getName(), v.getSize(), v.getSnippetSize(), v.getBlockSize(),
        v.getCompression(), here.map(VolumeInfo::usedBytes).orElse(0L), here.map(VolumeInfo::storedBytes).orElse(0L),
        Stripes.snippets(v), here.map(VolumeInfo::checksumErrors).orElse(0L),
        Instant.ofEpochMilli(v.getCreatedMillis()), v.getReadOnly(), Clones.parentOf(v),
        here.map(VolumeInfo::flatten).orElse(null));
  }
}
