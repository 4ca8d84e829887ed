package org.snipblock.node.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.snipblock.iscsi.IscsiTargetConfig;
import org.snipblock.iscsi.TargetAccess;
import org.snipblock.nbd.NbdServerConfig;
import org.snipblock.node.OperatorError;
import org.snipblock.store.StoreConfig;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeRules;

/**
 * The settings a node runs with: defaults, then the config file, then the command line, each
 * overriding the one before. Built only through {@link #resolve}, which validates everything.
 */
public record NodeConfig(
    Path dataDir,
    String listen,
    int iscsiPort,
    int nbdPort,
    int adminPort,
    List<VolumeDeclaration> volumes,
    String nodeId,
    String location,
    StoreConfig store,
    ClusterSettings cluster,
    Map<String, TargetAccess> iscsiAccess,
    NbdSecurity nbd,
    int httpPort,
    AdminAuth adminAuth,
    AdminTls adminTls) {

  /** Without admin authentication (every caller is the operator). */
  public NodeConfig(Path dataDir, String listen, int iscsiPort, int nbdPort, int adminPort,
      List<VolumeDeclaration> volumes, String nodeId, String location, StoreConfig store, ClusterSettings cluster,
      Map<String, TargetAccess> iscsiAccess, NbdSecurity nbd, int httpPort) {
    this(dataDir, listen, iscsiPort, nbdPort, adminPort, volumes, nodeId, location, store, cluster, iscsiAccess, nbd,
        httpPort, AdminAuth.OFF, null);
  }

  public static final String DEFAULT_LISTEN = "127.0.0.1";
  public static final int DEFAULT_ISCSI_PORT = 3260;
  public static final int DEFAULT_NBD_PORT = 10809;
  public static final int DEFAULT_ADMIN_PORT = 7070;
  /** The metrics and dashboard port is off unless asked for ({@code up} asks for any free port). */
  public static final int HTTP_OFF = -1;

  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final Pattern JOIN_ENTRY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*:[0-9]{1,5}");
  private static final Pattern LOCATION_PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  /**
   * Lays {@code layers} over the defaults, later ones winning; volumes declared twice take the
   * later declaration.
   *
   * @throws OperatorError naming the offending setting
   */
  public static NodeConfig resolve(NodeOptions... layers) {
    Path dataDir = null;
    String listen = DEFAULT_LISTEN;
    int iscsiPort = DEFAULT_ISCSI_PORT;
    int nbdPort = DEFAULT_NBD_PORT;
    int adminPort = DEFAULT_ADMIN_PORT;
    int httpPort = HTTP_OFF;
    Map<String, VolumeDeclaration> volumes = new LinkedHashMap<>();
    String nodeId = null;
    String location = null;
    Integer clusterPort = null;
    List<String> join = List.of();
    Long capacity = null;
    Long snippetSize = null;
    Integer ioThreads = null;
    Long backgroundRate = null;
    Map<String, TargetAccess> iscsiAccess = new LinkedHashMap<>();
    NbdSecurity nbd = NbdSecurity.OFF;
    AdminAuth adminAuth = AdminAuth.OFF;
    AdminTls adminTls = null;
    ClusterOptions clusterOptions = ClusterOptions.NONE;
    for (NodeOptions o : layers) {
      clusterOptions = o.cluster().over(clusterOptions);
      iscsiAccess.putAll(o.iscsiAccess());
      nbd = o.nbd() != null ? o.nbd() : nbd;
      adminAuth = o.adminAuth() != null ? o.adminAuth() : adminAuth;
      adminTls = o.adminTls() != null ? o.adminTls() : adminTls;
      capacity = o.store().capacity() != null ? o.store().capacity() : capacity;
      snippetSize = o.store().snippetSize() != null ? o.store().snippetSize() : snippetSize;
      ioThreads = o.store().ioThreads() != null ? o.store().ioThreads() : ioThreads;
      backgroundRate = o.store().backgroundRate() != null ? o.store().backgroundRate() : backgroundRate;
      dataDir = o.dataDir() != null ? o.dataDir() : dataDir;
      listen = o.listen() != null ? o.listen() : listen;
      iscsiPort = o.iscsiPort() != null ? o.iscsiPort() : iscsiPort;
      nbdPort = o.nbdPort() != null ? o.nbdPort() : nbdPort;
      adminPort = o.adminPort() != null ? o.adminPort() : adminPort;
      httpPort = o.httpPort() != null ? o.httpPort() : httpPort;
      o.volumes().forEach(v -> volumes.put(v.name(), v));
      nodeId = o.nodeId() != null ? o.nodeId() : nodeId;
      location = o.location() != null ? o.location() : location;
      clusterPort = o.clusterPort() != null ? o.clusterPort() : clusterPort;
      join = o.join().isEmpty() ? join : o.join();
    }
    if (dataDir == null) {
      throw new OperatorError("no data directory: give --data DIR or 'data:' in the config file");
    }
    checkPort("iscsi-port", iscsiPort);
    checkPort("nbd-port", nbdPort);
    checkPort("admin-port", adminPort);
    if (httpPort != HTTP_OFF) {
      checkPort("http-port", httpPort);
    }
    checkDistinct(iscsiPort, nbdPort, adminPort, httpPort);
    checkListen(listen);
    volumes.values().forEach(NodeConfig::checkVolume);
    if (nodeId == null) {
      nodeId = defaultNodeId();
    } else if (!NODE_ID.matcher(nodeId).matches()) {
      throw new OperatorError("invalid node-id '" + nodeId + "': use letters, digits, '.', '_' or '-' (at most 63)");
    }
    if (location == null) {
      location = "local/local/local/" + nodeId;
    } else {
      checkLocation(location);
    }
    ClusterSettings cluster = clusterSettings(listen, clusterPort, join, clusterOptions);
    if (cluster != null) {
      checkDistinct(iscsiPort, nbdPort, adminPort, httpPort, cluster.port());
      if (!volumes.isEmpty()) {
        // A declared volume would need a redundancy policy and a majority at start-up.
        throw new OperatorError("volume declarations (--volume, 'volumes:') are for standalone nodes; on a cluster "
            + "node create volumes with 'snipblock volume create NAME --size S --copies N'");
      }
      if (!iscsiAccess.isEmpty()) {
        // One node's YAML is not the others': a path through another node would not ask the same.
        throw new OperatorError("iscsi.volumes (per-volume CHAP and allowed-initiators) is for standalone nodes; a "
            + "cluster keeps them in its metadata so every node's door enforces the same: 'snipblock volume chap NAME "
            + "--user U --secret-file F' and 'snipblock volume access NAME --allow-initiator IQN' (found for "
            + String.join(", ", new java.util.TreeSet<>(iscsiAccess.keySet())) + ")");
      }
    }
    return new NodeConfig(dataDir, listen, iscsiPort, nbdPort, adminPort,
        List.copyOf(volumes.values()), nodeId, location, storeConfig(capacity, snippetSize, ioThreads, backgroundRate), cluster,
        Map.copyOf(iscsiAccess), nbd, httpPort, adminAuth, adminTls);
  }

  /**
   * The iSCSI door's settings: CHAP and initiator lists by volume; volumes not named stay open. A
   * snapshot's target ({@code NAME@SNAP}) is guarded as its volume is.
   */
  public IscsiTargetConfig iscsiTarget() {
    return IscsiTargetConfig.defaults().withListen(new InetSocketAddress(listen, iscsiPort))
        .withAccess(name -> iscsiAccess.getOrDefault(volumeOf(name), TargetAccess.OPEN), TargetAccess.OPEN);
  }

  /** The volume a device name belongs to: itself, or for a snapshot {@code NAME@SNAP} its volume. */
  public static String volumeOf(String deviceName) {
    int at = deviceName.indexOf('@');
    return at < 0 ? deviceName : deviceName.substring(0, at);
  }

  /** The NBD door's settings: TLS mode and per-export policies. */
  public NbdServerConfig nbdServer() {
    return nbd.applyTo(NbdServerConfig.plain(listen, nbdPort));
  }

  /** True when the node runs as a member of a cluster (a cluster port is set). */
  public boolean clustered() {
    return cluster != null;
  }

  /**
   * Null without a cluster port. The join list defaults to this node alone (a one-node cluster).
   * A list naming this node's own endpoint is the founding voters (the same list on each); one that
   * does not name it joins a running cluster through those members (see ClusterConfig).
   */
  private static ClusterSettings clusterSettings(String listen, Integer port, List<String> join,
      ClusterOptions options) {
    if (port == null) {
      if (!join.isEmpty()) {
        throw new OperatorError("join " + String.join(",", join) + " given without cluster-port: "
            + "give --cluster-port PORT for this node's own cluster endpoint");
      }
      if (!options.isEmpty()) {
        throw new OperatorError("'cluster:' settings given without cluster-port: a standalone node does not "
            + "replicate; give --cluster-port PORT or remove the section");
      }
      return null;
    }
    if (port < 1 || port > 65535) {
      throw new OperatorError("invalid cluster-port " + port + ": must be 1..65535 (peers name it in their join list)");
    }
    String self = listen + ":" + port;
    List<String> endpoints = new ArrayList<>();
    for (String e : join) {
      String s = e == null ? "" : e.trim();
      if (!JOIN_ENTRY.matcher(s).matches()) {
        throw new OperatorError("invalid join entry '" + e + "': expected HOST:PORT[,HOST:PORT...]");
      }
      int p = Integer.parseInt(s.substring(s.lastIndexOf(':') + 1));
      if (p < 1 || p > 65535) {
        throw new OperatorError("invalid join entry '" + e + "': port must be 1..65535");
      }
      if (!endpoints.contains(s)) {
        endpoints.add(s);
      }
    }
    if (endpoints.isEmpty()) {
      endpoints.add(self);
    }
    try {
      return new ClusterSettings(port, endpoints, options.volumeDefaults(), options.replication(),
          options.relocationSettings(), options.alua(), options.siteSettings(), options.tls(), options.chapKey());
    } catch (IllegalArgumentException e) {
      throw new OperatorError("invalid cluster settings: " + e.getMessage());
    }
  }

  private static StoreConfig storeConfig(Long capacity, Long snippetSize, Integer ioThreads, Long backgroundRate) {
    StoreConfig c = StoreConfig.defaults();
    try {
      if (capacity != null) {
        c = c.withCapacityBytes(capacity);
      }
      if (snippetSize != null) {
        if (snippetSize > StoreConfig.MAX_SNIPPET_SIZE) {
          throw new IllegalArgumentException("at most " + StoreConfig.MAX_SNIPPET_SIZE);
        }
        c = c.withDefaultSnippetSize(snippetSize.intValue());
      }
      if (ioThreads != null) {
        c = c.withIoThreads(ioThreads);
      }
      if (backgroundRate != null) {
        c = c.withBackgroundBytesPerSecond(backgroundRate);
      }
    } catch (IllegalArgumentException e) {
      throw new OperatorError("invalid store settings (capacity " + capacity + ", snippet-size " + snippetSize
          + ", io-threads " + ioThreads + ", background-rate " + backgroundRate + "): " + e.getMessage());
    }
    return c;
  }

  private static void checkPort(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new OperatorError("invalid " + name + " " + port + ": must be 0..65535 (0 = any free port)");
    }
  }

  private static void checkDistinct(int... ports) {
    List<Integer> seen = new ArrayList<>();
    for (int p : ports) {
      if (p > 0 && seen.contains(p)) {
        throw new OperatorError("port " + p + " is given to two services; iscsi-port, nbd-port, admin-port, "
            + "http-port and cluster-port must differ");
      }
      seen.add(p);
    }
  }

  private static void checkListen(String listen) {
    try {
      InetAddress.getByName(listen);
    } catch (UnknownHostException e) {
      throw new OperatorError("invalid listen address '" + listen + "': not an IP address or known host name");
    }
  }

  /** The rules every store applies to a volume (see {@link VolumeRules}), checked before the node starts. */
  private static void checkVolume(VolumeDeclaration v) {
    try {
      VolumeRules.check(v.spec());
    } catch (VolumeAdminException e) {
      throw new OperatorError("volume '" + v.name() + "': " + e.getMessage());
    }
  }

  private static void checkLocation(String location) {
    String[] parts = location.split("/", -1);
    boolean ok = parts.length == 4;
    for (String p : parts) {
      ok &= LOCATION_PART.matcher(p).matches();
    }
    if (!ok) {
      throw new OperatorError("invalid location '" + location + "': expected site/compartment/rack/host");
    }
  }

  /** The host name (without asking DNS, which may hang), or "node" if it is not a valid id. */
  private static String defaultNodeId() {
    String host = System.getenv("HOSTNAME");
    if (host == null) {
      try {
        host = java.nio.file.Files.readString(Path.of("/etc/hostname")).trim();
      } catch (java.io.IOException | RuntimeException e) {
        host = null;
      }
    }
    int dot = host == null ? -1 : host.indexOf('.');
    host = dot > 0 ? host.substring(0, dot) : host;
    return host != null && NODE_ID.matcher(host).matches() ? host : "node";
  }
}
