package org.snipblock.cluster;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.door.Doors;
import org.snipblock.cluster.door.VolumeIoService;
import org.snipblock.cluster.follow.FollowControl;
import org.snipblock.cluster.follow.SimulatedWanLinks;
import org.snipblock.cluster.follow.SiteSettings;
import org.snipblock.cluster.membership.ClusterMembership;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.meta.MetadataClient;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.DurableProgress;
import org.snipblock.cluster.replica.EpochAuthority;
import org.snipblock.cluster.replica.ReplicaRegistry;
import org.snipblock.cluster.replica.ReplicaService;
import org.snipblock.cluster.replica.ReplicatedBlockDevice;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.replica.VerifyReport;
import org.snipblock.cluster.topology.Placement;
import org.snipblock.cluster.topology.PlacementPolicy;
import org.snipblock.store.VolumeManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's part in the cluster, and the facade the node daemon wires: membership and metadata
 * (JGroups + raft), the replication server for the copies this node holds, the primaries of the
 * volumes this node serves, and the reports (usage, round trips) that placement and
 * {@code cluster status} read.
 *
 * <p>Local copies of clustered volumes live in the node's local {@link VolumeManager} under the
 * volume's name; this class creates, grows and deletes them as the metadata says.
 */
public final class ClusterNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);
  // How much longer than the failover delay a door request waits for a new primary.
  private static final Duration DOOR_GRACE = Duration.ofSeconds(20);

  private final ClusterConfig config;
  private final VolumeManager local;
  private final ClusterSnapshots snapshots;
  private final RedundancyPolicy defaults;
  private final PlacementPolicy placement;
  private final ReplicationSettings settings;
  private final ClusterMetadata metadata = new ClusterMetadata();
  private final EpochAuthority epochs = new MetadataEpochs(metadata, this::inMajority);
  private final SiteSettings sites;
  private final SimulatedWanLinks wan;
  private final NodeChannels channels;
  private final ReplicationPort port = new ReplicationPort();
  private final NodeThreads threads;
  private final ReplicaRegistry registry;
  private Caretaker caretaker;
  private final CompletableFuture<Void> registered = new CompletableFuture<>();
  private final LocalCopies copies;
  // Primaries reserve their sequence numbers here, so a restart at the same epoch never reuses one.
  private final DurableProgress sequences;
  private final ClusterQos qos;
  private final Reconciler reconciler;
  private final PrimariesHere primaries;
  private NodeReports reports;
  private ClusterMembership membership;
  private MetadataClient client;
  private ClusteredVolumes volumes;
  private Doors doors;
  private VolumeAccessControl access;
  private ClusterRecords records;
  private DoorPaths doorPaths;
  private SharedScsiStates scsiStates;
  private SiteFollowing following;
  private volatile boolean closed;

  public ClusterNode(ClusterConfig config, VolumeManager local, RedundancyPolicy defaults,
      ReplicationSettings settings) {
    this(config, local, defaults, settings, new Placement(), SiteSettings.defaults());
  }

  /**
   * @param placement where copies go: asked by volume creation, the caretaker, drain and relocation
   * @param sites the sync bound, automatic mode control, ballooning, and a test's simulated WAN
   */
  public ClusterNode(ClusterConfig config, VolumeManager local, RedundancyPolicy defaults,
      ReplicationSettings settings, PlacementPolicy placement, SiteSettings sites) {
    this.config = config;
    this.placement = placement;
    this.sites = sites;
    this.wan = new SimulatedWanLinks(config.location(), sites, metadata);
    this.channels = new NodeChannels(config.nodeId(), metadata, wan, config.tls());
    this.local = local;
    this.defaults = defaults;
    this.settings = settings;
    this.threads = new NodeThreads(config.nodeId());
    this.registry = new NodeRegistry(config.nodeId(), metadata, () -> membership, this::commitAsync);
    this.copies = new LocalCopies(config.nodeId(), local, new UnsharedCopies(config.nodeId(), this::commitAsync,
        registry), this::reconcileLater);
    this.primaries = new PrimariesHere(config.nodeId(), metadata, this::primaryDevice);
    this.snapshots = new ClusterSnapshots(this, primaries::device);
    this.sequences = new DurableProgress(config.dataDir().resolve("primary-sequence"));
    this.qos = new ClusterQos(config.nodeId(), metadata,
        name -> primaryDevice(name).filter(ReplicatedBlockDevice::primary).isPresent(), this::commit,
        local.background().clients());
    this.reconciler = new Reconciler(config.nodeId(), metadata, local, copies, sequences, threads.worker, threads.timer,
        (v, localCopy) -> new ReplicatedBlockDevice(config.nodeId(), v, localCopy, epochs, this::channelTo,
            channels::streamTo, channels.streamLoop(), settings, registry, sequences, snapshots, qos::throttleOf, local.background()), () -> closed);
  }

  /**
   * Starts the replication server and joins the cluster. Returns without waiting for a majority;
   * registration of this node in the metadata completes in the background ({@link #registered()}).
   */
  public ClusterNode start() throws IOException {
    ReplicaService replicaService = new ReplicaService(reconciler::localCopy, epochs,
        config.dataDir().resolve("replica-progress"), local.background().clients())
        .takingSnapshotsWith(snapshots::takeLocal, snapshots::deleteLocal, snapshots::rollbackLocal, snapshots::names)
        .fillingSnapshotsWith(snapshots::fillLocal);
    reconciler.serving(replicaService);
    NodeRoutes routes = new NodeRoutes(this, registry::reachable);
    doors = new Doors(routes, settings.failoverDelay().plus(DOOR_GRACE), settings.ackTimeout().plusSeconds(5));
    access = new VolumeAccessControl(this, metadata);
    scsiStates = new SharedScsiStates(config.nodeId(), metadata, this::commitAsync, () -> membership.view(),
        this::channelTo);
    metadata.onVolumeChange(scsiStates::volumeChanged);
    port.start(new InetSocketAddress(config.cluster().host(), config.replicationPort()), config.tls(), replicaService,
        new VolumeIoService(routes, doors), List.of(access, snapshots.groupService(), scsiStates));
    metadata.onVolumeChange(v -> doors.handles().applied(v.getName(), v.getIncarnation()));
    metadata.onVolumeChange(v -> reconciler.changed(v.getName()));
    metadata.onVolumeChange(v -> qos.changed());
    // Queued behind the reconcile: a door waiting for this node to become primary finds its device.
    metadata.onVolumeChange(v -> threads.worker.execute(() -> doors.volumeChanged(v.getName())));
    try {
      membership = new ClusterMembership(config.cluster(), config.join(), config.dataDir(), config.tls(), metadata);
      // Ready before the channel connects: replaying the raft log may already need them.
      client = new MetadataClient(membership, metadata, METADATA_TIMEOUT);
      volumes = new ClusteredVolumes(this);
      records = new ClusterRecords(metadata, client);
      doorPaths = new DoorPaths(config.nodeId(), metadata, membership::view, reconciler::primary);
      metadata.onVolumeChange(v -> doorPaths.changed());
      membership.onViewChange(view -> doorPaths.changed());
      membership.start();
    } catch (Exception e) {
      port.stopListening();
      throw new IOException("cannot join the cluster at " + config.cluster() + ": " + e.getMessage(), e);
    }
    membership.onViewChange(view -> threads.worker.execute(() -> reconciler.primaries()
        .forEach(ReplicatedBlockDevice::reconfirm)));
    membership.onViewChange(view -> access.viewChanged());
    membership.simulateLinks(wan);
    FollowControl control = new FollowControl(sites, reconciler::primaries, metadata::volume, this::commit);
    following = new SiteFollowing(this, sites, control, registry::reachable);
    // On a committer thread: a round may commit a mode switch or the end of a catch-up.
    threads.timer.scheduleWithFixedDelay(() -> threads.committer.execute(following::tick), 1, 1, TimeUnit.SECONDS);
    reports = new NodeReports(config, metadata, client, membership, local, reconciler.io(), threads.timer,
        this::inMajority, () -> closed, registered);
    reports.start(port.port());
    caretaker = new Caretaker(this, this::channelTo, settings, reconciler.io());
    threads.timer.scheduleWithFixedDelay(new CareRound(caretaker, membership, this::inMajority, reconciler, snapshots),
        500, 500, TimeUnit.MILLISECONDS);
    log.info("node {} at {} joined the cluster as {}; replication on {}", config.nodeId(), config.location(),
        config.cluster(), replicationAddress());
    return this;
  }

  public String nodeId() {
    return config.nodeId();
  }

  public ClusterConfig config() {
    return config;
  }

  /** Completes once this node is recorded in the cluster metadata (needs a majority up). */
  public CompletableFuture<Void> registered() {
    return registered;
  }

  /** The address replicas of this node's volumes are streamed from (and to). */
  public InetSocketAddress replicationAddress() {
    return new InetSocketAddress(config.cluster().host(), port.port());
  }

  /**
   * Serves {@code service} to the other nodes on this node's replication port (with its TLS), from
   * now on; for what the daemon adds on top of the cluster (the usage export gathers through it).
   */
  public void serveToPeers(io.grpc.BindableService service) {
    port.add(service);
  }

  /** The other nodes the metadata lists now (removed ones are not), by id. */
  public List<String> peerIds() {
    return metadata.nodes().stream().map(NodeRecord::getId).filter(id -> !id.equals(config.nodeId())).toList();
  }

  /** The channel to another node's replication port (shared; do not close it), for calls to what it serves to peers. */
  public io.grpc.Channel peerChannel(String nodeId) {
    return channels.to(nodeId);
  }

  /** Clustered volumes: create with a redundancy policy, show with primary/epoch/lag/placement, open on the primary. */
  public ClusteredVolumes volumes() {
    return volumes;
  }

  /** The records of the cluster's users (the hypervisor adapter's). */
  public ClusterRecords records() {
    return records;
  }

  /** Taking nodes out of service: drain, undrain, progress, remove. */
  public NodeDrain drains() {
    return new NodeDrain(this);
  }

  /** What would happen if a node, rack, compartment or site failed now (changes nothing). */
  public FailureSimulation.Report simulate(String level, String name) {
    return new FailureSimulation(placement).simulate(metadata.nodes(), membership.view(), metadata.volumes(), level,
        name);
  }

  /** Volumes' cluster-wide access: what the doors admit, and changing it. */
  public VolumeAccessControl access() {
    return access;
  }

  /** Each volume's SCSI state that all nodes' iSCSI doors share (reservations). */
  public SharedScsiStates scsiStates() {
    return scsiStates;
  }

  /** The paths to each volume through the nodes' iSCSI doors (discovery and ALUA read them). */
  public DoorPaths doorPaths() {
    return doorPaths;
  }

  /** Where volumes are consumed, automatic mode control, catch-up, and sites as the round trips show them. */
  public SiteFollowing following() {
    return following;
  }

  /**
   * Puts this node's iSCSI portal on record once its door listens, so SendTargets on every node
   * lists it; committed in the background, retried until it is (it needs a majority).
   */
  public void announceIscsiPortal(String portal) {
    reports.announceIscsiPortal(portal, doorPaths::changed);
  }

  /** Compares the chunk digests of every copy with the primary's ({@link PrimariesHere#verify}); on the primary. */
  public CompletableFuture<VerifyReport> verify(String volume) {
    return primaries.verify(volume);
  }

  /** A verify that repairs what it finds ({@link PrimariesHere#scrub}); on the primary. */
  public CompletableFuture<VerifyReport> scrub(String volume) {
    return primaries.scrub(volume);
  }

  /** Snapshots of clustered volumes: taken and deleted through the primary, listed from this node's copy. */
  public ClusterSnapshots snapshots() {
    return snapshots;
  }

  /**
   * Serves the I/O other nodes' doors forward to this primary through {@code view} of the
   * primary's device (the node measures it as the "forwarded" door). Call after {@link #start()}.
   */
  public void viewForwardedIoAs(UnaryOperator<BlockDevice> view) {
    port.forwarded().viewForwardedAs(view);
  }

  /** A snapshot of every node, its location, state, capacity, load, the round trips between nodes, and what moves. */
  public ClusterStatus status() {
    return StatusView.of(config.nodeId(), metadata, membership, reports, inMajority());
  }

  // ---- package-private: used by ClusteredVolumes -------------------------------------------

  ClusterMetadata metadata() {
    return metadata;
  }

  Set<String> view() {
    return membership.view();
  }

  VolumeManager local() {
    return local;
  }

  PlacementPolicy placement() {
    return placement;
  }

  RedundancyPolicy defaults() {
    return defaults;
  }

  int defaultSnippetSize() {
    return copies.defaultSnippetSize();
  }

  VolumeRecord commit(MetaCommand command) {
    VolumeRecord v = client.commit(command).getVolume();
    if (!v.getName().isEmpty()) {
      // The proposer may run ahead of its own applier; act on the committed record now.
      awaitReconciled(v.getName(), v);
    }
    return v;
  }

  void awaitReconciled(String name, VolumeRecord committed) {
    reconciler.awaitReconciled(name, committed, METADATA_TIMEOUT.toMillis());
  }

  Doors doors() {
    return doors;
  }

  /** The volumes' I/O limits and throttles on this node. */
  public ClusterQos qos() {
    return qos;
  }

  Optional<ReplicatedBlockDevice> primaryDevice(String name) {
    return reconciler.primary(name);
  }

  boolean inMajority() {
    return membership != null && membership.inMajority();
  }

  // ---- what the primaries and the replica side ask of the metadata --------------------------

  private void reconcileLater(String volume) {
    reconciler.changed(volume);
  }

  /** Commits off the caller's thread (callers may be on a gRPC or raft thread). */
  private CompletableFuture<Void> commitAsync(MetaCommand command) {
    return CompletableFuture.runAsync(() -> client.commit(command), threads.committer);
  }

  ManagedChannel channelTo(String nodeId) {
    return channels.to(nodeId);
  }

  /** Completes once this node's metadata holds all committed before the call ({@link MetadataClient#catchUp}). */
  public CompletableFuture<Void> catchUp(java.time.Duration within) {
    return client.catchUp(within);
  }

  /** For fault-injection tests: this node's membership (its JGroups channel). */
  public ClusterMembership membership() {
    return membership;
  }

  @Override
  public void close() {
    closed = true;
    threads.timer.shutdownNow();
    if (following != null) {
      following.close();
    }
    if (caretaker != null) {
      caretaker.close();
    }
    threads.committer.shutdownNow();
    snapshots.close();
    threads.finishWork();
    reconciler.closePrimaries();
    if (access != null) {
      access.close();
    }
    if (membership != null) {
      membership.close();
    }
    if (doors != null) {
      doors.close();
    }
    channels.close();
    port.close();
    sequences.close();
    qos.close();
  }
}
