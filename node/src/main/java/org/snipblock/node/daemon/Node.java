package org.snipblock.node.daemon;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.iscsi.IscsiTarget;
import org.snipblock.iscsi.IscsiTargetConfig;
import org.snipblock.iscsi.scsi.BlockLogicalUnit;
import org.snipblock.nbd.NbdServer;
import org.snipblock.nbd.NbdServerConfig;
import org.snipblock.node.OperatorError;
import org.snipblock.cluster.PowerOnWatch;
import org.snipblock.node.admin.AdminCallTimer;
import org.snipblock.node.admin.AdminServer;
import org.snipblock.node.admin.BackgroundMessages;
import org.snipblock.node.admin.UsageService;
import org.snipblock.node.admin.AdminTenancy;
import org.snipblock.node.admin.ChapService;
import org.snipblock.node.admin.ClusterAdminService;
import org.snipblock.node.admin.SitesService;
import org.snipblock.node.admin.LinkFaultService;
import org.snipblock.node.admin.AdminService;
import org.snipblock.node.admin.QosService;
import org.snipblock.node.admin.RedundancyService;
import org.snipblock.node.admin.StandaloneQos;
import org.snipblock.node.admin.v1.NodeStatusResponse;
import org.snipblock.node.config.ByteSize;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.VolumeDeclaration;
import org.snipblock.node.http.HttpEndpoint;
import org.snipblock.node.http.NodeMetrics;
import org.snipblock.node.http.OperatorView;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running storage node: the volume store, the iSCSI and NBD frontends on one shared event loop
 * group, and the admin API. {@link #close()} is the graceful shutdown: stop taking requests, flush
 * every volume, close the store, release the data directory.
 *
 * <p>The one rule for what the frontends and the admin API see: a standalone node serves its
 * local store; a clustered node serves the cluster's volumes ({@link ClusterNode#volumes()}) and
 * never the store directly, because the store then holds replica copies that only the cluster may
 * write. Every node's doors offer every clustered volume: the cluster's catalog hands out a door
 * that forwards to the volume's primary and follows it through failovers.
 */
public final class Node implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Node.class);
  private static final String VERSION = Optional.ofNullable(Node.class.getPackage().getImplementationVersion())
      .orElse("dev");
  private static final long FLUSH_TIMEOUT_SECONDS = 60;

  private final NodeConfig config;
  private final DataDir dataDir;
  private final VolumeManager volumes;
  /** Null on a standalone node. */
  private final ClusterNode cluster;
  private final Instant started = Instant.now();
  /** Everything to close on shutdown, most recently started first. */
  private final Deque<AutoCloseable> running = new ArrayDeque<>();
  private Transport transport;
  private int iscsiPort;
  private int nbdPort;
  private int adminPort;
  private int httpPort;
  private boolean closed;
  /** Set once serving; a start that failed half-way is undone without announcing a stop. */
  private boolean ready;

  private Node(NodeConfig config, DataDir dataDir, VolumeManager volumes, ClusterNode cluster) {
    this.config = config;
    this.dataDir = dataDir;
    this.volumes = volumes;
    this.cluster = cluster;
  }

  /**
   * Starts serving. On failure everything already started is closed again (including the store
   * and the data directory), and the cause is reported as an {@link OperatorError} where the
   * operator can fix it (port in use, disk full, bad volume).
   *
   * @param store      the opened store; closed by the node
   * @param closeStore how to close it (flushes and releases its files)
   */
  public static Node start(NodeConfig config, DataDir dataDir, VolumeManager store, AutoCloseable closeStore) {
    return start(config, dataDir, store, null, closeStore);
  }

  /**
   * Starts serving a cluster member: the frontends and the admin API see the cluster's volumes.
   *
   * @param closeCluster leaves the cluster and closes the local store under it
   */
  public static Node start(NodeConfig config, DataDir dataDir, ClusterNode cluster, AutoCloseable closeCluster) {
    return start(config, dataDir, cluster.volumes(), cluster, closeCluster);
  }

  private static Node start(NodeConfig config, DataDir dataDir, VolumeManager volumes, ClusterNode cluster,
      AutoCloseable closeStore) {
    Node node = new Node(config, dataDir, volumes, cluster);
    node.running.push(dataDir);
    node.running.push(closeStore);
    try {
      node.startAll();
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
    return node;
  }

  private void startAll() {
    declareVolumes();
    transport = Transport.create(Math.max(2, Runtime.getRuntime().availableProcessors()));
    running.push(transport);
    // Standalone, each door's handles pass the volume's throttle; a cluster's primary throttles in its replicated device.
    StandaloneQos qos = cluster == null && volumes instanceof SnippetStore store ? new StandaloneQos(store, config.nodeId()) : null;
    if (qos != null) {
      running.push(qos);
    }
    OperatorView view = new OperatorView(config.nodeId(), config.location(), volumes, cluster, dataDir::freeBytes,
        name -> Optional.of(QosService.describe(cluster, qos, name)).map(q -> new OperatorView.Qos(q.getLimits(),
            q.getGroup(), q.getStateKnown(), q.getThrottled(), q.getWaiting(), q.getDelayed())));
    NodeMetrics metrics = new NodeMetrics(view);
    running.push(metrics);
    BackgroundReport.register(metrics.registry(), volumes.background());
    IoMeters meters = new IoMeters(metrics.registry());
    if (cluster != null) {
      running.push(PowerOnWatch.start(cluster));
      cluster.viewForwardedIoAs(device -> new MeteredBlockDevice(device, meters, "forwarded"));
    }
    running.push(this::flushAll);
    // Before the doors: it is saved for the last time after they stopped, with all they counted.
    UsageLedger usage = UsageLedger.open(dataDir.path(), meters, volumes::show);
    running.push(usage);
    startFrontends(meters, qos != null ? qos : volumes);
    AdminTenancy tenancy = AdminTenancy.of(volumes, cluster, qos, usage::clientIo);
    TenantMeters.register(metrics, tenancy);
    UsageMetering hourly = UsageMetering.start(dataDir.path(), usage, volumes, cluster, tenancy);
    running.push(hourly);
    if (cluster != null) {
      // What another node gathering the cluster's usage asks this one for: its own rows.
      cluster.serveToPeers(new UsageService(config.nodeId(), hourly.hours(), Instant::now, null));
    }
    AdminServer admin = bind("admin API", config.adminPort(), () -> AdminServer.start(
        new InetSocketAddress(config.listen(), config.adminPort()), config.adminTls(),
        AdminTenancy.interceptors(tenancy, config.adminAuth(), new AdminCallTimer(metrics.registry())),
        new AdminService(volumes, cluster, config.clustered() ? config.cluster().volumeDefaults() : null,
            meters::snapshot, this::status), new ClusterAdminService(cluster),
        new SitesService(cluster), new QosService(cluster, qos), new RedundancyService(cluster),
        TenantMeters.service(tenancy), new ChapService(cluster, chapKey()),
        new UsageService(config.nodeId(), hourly.hours(), Instant::now, cluster == null ? null
            : new ClusterUsagePeers(cluster, UsageService.PEER_WAIT.toMillis())), new LinkFaultService(cluster)));
    running.push(admin);
    adminPort = admin.port();
    if (config.httpPort() != NodeConfig.HTTP_OFF) {
      HttpEndpoint http = bind("metrics and dashboard", config.httpPort(), () -> HttpEndpoint.start(
          new InetSocketAddress(config.listen(), config.httpPort()), metrics, view, config.adminAuth(),
          config.adminTls()));
      running.push(http);
      httpPort = http.port();
    }
    info().writeTo(dataDir.path());
    running.push(() -> NodeInfo.removeFrom(dataDir.path()));
    ready = true;
    log.info("snipblock node {} ready on {} ({}): iSCSI port {}, NBD port {}, admin port {}, HTTP port {}; data in {}{}",
        config.nodeId(), config.listen(), transport.name(), iscsiPort, nbdPort, adminPort,
        httpPort == 0 ? "off" : httpPort, dataDir.path(),
        cluster == null ? "" : "; cluster port " + config.cluster().port() + " at " + config.location());
  }

  private void startFrontends(IoMeters meters, BlockDeviceCatalog served) {
    IscsiTargetConfig iscsiConfig = config.iscsiTarget();
    NbdServerConfig nbdConfig = config.nbdServer();
    if (cluster != null) {
      ClusterUnitStates shared = new ClusterUnitStates(cluster.scsiStates());
      iscsiConfig = ClusterDoorAccess.iscsi(iscsiConfig, cluster.access(), chapKey())
          .withPortGroups(new ClusterPortGroups(cluster.doorPaths(), config.cluster().alua(), explicitAlua()))
          .withLogicalUnits((device, groups, state) -> new BlockLogicalUnit(device, groups, shared.forDevice(device.name())));
      nbdConfig = ClusterDoorAccess.nbd(nbdConfig, cluster.access());
    }
    IscsiTarget iscsi = new IscsiTarget(iscsiConfig, new MeteredCatalog(served, meters, "iscsi"), transport.group(), transport.serverChannel());
    iscsiPort = bind("iSCSI target", config.iscsiPort(), iscsi::start);
    running.push(iscsi);
    NbdServer nbd = new NbdServer(nbdConfig, new MeteredCatalog(served, meters, "nbd"), transport.group(), transport.serverChannel());
    nbdPort = bind("NBD server", config.nbdPort(), nbd::start);
    running.push(nbd);
    if (cluster != null) {
      cluster.access().gate(ClusterDoorAccess.gate(iscsi, nbd));
      cluster.announceIscsiPortal(iscsi.portal());
    }
  }

  /** SET TARGET PORT GROUPS through any node: this node, as a primary, hands volumes over as move-primary does. */
  private org.snipblock.cluster.ExplicitAluaHandovers explicitAlua() {
    org.snipblock.cluster.ExplicitAluaHandovers handovers = cluster.scsiStates().explicitAlua();
    handovers.handOverWith((volume, to) -> new org.snipblock.cluster.PrimaryHandover(cluster).move(volume, to));
    return handovers;
  }

  /** The cluster's CHAP key from the config, or null (none, or a standalone node). */
  private org.snipblock.cluster.meta.ChapKey chapKey() {
    return config.clustered() ? config.cluster().chapKey() : null;
  }

  private void declareVolumes() {
    for (VolumeDeclaration v : config.volumes()) {
      try {
        if (volumes.show(v.name()).isPresent()) {
          continue;
        }
        VolumeInfo info = volumes.create(v.spec());
        log.info("created volume {} of {}", info.name(), ByteSize.format(info.provisionedBytes()));
      } catch (VolumeAdminException e) {
        String why = e.reason() == VolumeAdminException.Reason.NO_SPACE ? "disk full: " : "";
        throw new OperatorError("cannot create volume '" + v.name() + "': " + why + e.getMessage(), e);
      }
    }
  }

  /** Something that binds a listening socket; Netty rethrows bind failures unchecked-but-checked. */
  private interface Listener<T> {
    T start() throws Exception;
  }

  /** Starts a listener, turning a refused bind (port in use, address not here) into an operator error. */
  private <T> T bind(String service, int port, Listener<T> listener) {
    try {
      return listener.start();
    } catch (Exception e) {
      String why = bindFailure(e);
      if (why != null) {
        throw new OperatorError("cannot listen on " + config.listen() + ":" + port + " for the " + service
            + ": " + why, e);
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("starting the " + service + " failed", e);
    }
  }

  /**
   * Why a bind failed, or null if {@code e} is not a bind failure. Native transports (epoll, and
   * the one shaded into gRPC) report it as an IOException carrying the errno text rather than a
   * {@link BindException}.
   */
  private static String bindFailure(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      String m = String.valueOf(c.getMessage());
      if (m.contains("Address already in use")) {
        return "address already in use";
      }
      if (m.contains("Cannot assign requested address")) {
        return "no such address on this machine";
      }
      if (c instanceof BindException) {
        return m;
      }
    }
    return null;
  }

  /** Makes every write acknowledged so far durable; runs at shutdown once the frontends are stopped. */
  private void flushAll() {
    for (String name : volumes.names()) {
      Optional<BlockDevice> device = volumes.open(name);
      if (device.isEmpty()) {
        continue;
      }
      try (BlockDevice d = device.get()) {
        CompletableFuture<Void> f = d.flush();
        f.get(FLUSH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        log.error("flushing volume {} at shutdown failed", name, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.error("interrupted while flushing volume {} at shutdown", name);
        return;
      }
    }
  }

  public NodeInfo info() {
    return new NodeInfo(ProcessHandle.current().pid(), config.nodeId(), config.listen(),
        iscsiPort, nbdPort, adminPort, started.toEpochMilli(), httpPort, config.adminTls() != null);
  }

  public VolumeManager volumes() {
    return volumes;
  }

  /**
   * Completes once a clustered node is on record in the metadata (at once on a standalone node);
   * fails when the cluster refuses it for good (its id taken, or the node removed).
   */
  public java.util.concurrent.CompletableFuture<Void> registration() {
    return cluster == null ? java.util.concurrent.CompletableFuture.completedFuture(null) : cluster.registered();
  }

  private NodeStatusResponse status() {
    List<VolumeInfo> all = volumes.list();
    return NodeStatusResponse.newBuilder()
        .setNodeId(config.nodeId())
        .setLocation(config.location())
        .setVersion(VERSION)
        .setPid(ProcessHandle.current().pid())
        .setStartedEpochMillis(started.toEpochMilli())
        .setDataDir(dataDir.path().toString())
        .setDataDirFreeBytes(Math.max(0, dataDir.freeBytes()))
        .setListen(config.listen())
        .setIscsiPort(iscsiPort)
        .setNbdPort(nbdPort)
        .setAdminPort(adminPort)
        .setTransport(transport.name())
        .setVolumes(all.size())
        .setProvisionedBytes(all.stream().mapToLong(VolumeInfo::provisionedBytes).sum())
        .setUsedBytes(all.stream().mapToLong(VolumeInfo::usedBytes).sum())
        .setBackground(BackgroundMessages.of(volumes.background().state()))
        .build();
  }

  /** Graceful shutdown; safe to call more than once. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ready) {
      log.info("snipblock node {} stopping", config.nodeId());
    }
    while (!running.isEmpty()) {
      AutoCloseable c = running.pop();
      try {
        c.close();
      } catch (Exception e) {
        log.error("error during shutdown", e);
      }
    }
    if (ready) {
      log.info("snipblock node {} stopped", config.nodeId());
    }
  }
}
