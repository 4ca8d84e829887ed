package org.snipblock.node.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.snipblock.iscsi.TargetAccess;

/**
 * What one source of settings says: the config file or the command line. Every field is null (or
 * an empty list) where the source says nothing, so sources can be laid over each other.
 *
 * @param iscsiAccess CHAP and initiator allow-lists by volume name (only the config file sets them)
 * @param nbd         NBD TLS and export policies, or null (only the config file sets them)
 * @param cluster     default volume redundancy and replication tunables (only the config file sets them)
 * @param httpPort    the metrics and dashboard port; null says nothing
 */
public record NodeOptions(
    Path dataDir,
    String listen,
    Integer iscsiPort,
    Integer nbdPort,
    Integer adminPort,
    List<VolumeDeclaration> volumes,
    String nodeId,
    String location,
    Integer clusterPort,
    List<String> join,
    StoreOptions store,
    Map<String, TargetAccess> iscsiAccess,
    NbdSecurity nbd,
    ClusterOptions cluster,
    Integer httpPort,
    AdminAuth adminAuth,
    AdminTls adminTls) {

  public static final NodeOptions NONE =
      new NodeOptions(null, null, null, null, null, List.of(), null, null, null, List.of());

  public NodeOptions {
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    join = join == null ? List.of() : List.copyOf(join);
    store = store == null ? StoreOptions.NONE : store;
    iscsiAccess = iscsiAccess == null ? Map.of() : Map.copyOf(iscsiAccess);
    cluster = cluster == null ? ClusterOptions.NONE : cluster;
  }

  /** A source that says nothing about admin authentication (the command line). */
  public NodeOptions(Path dataDir, String listen, Integer iscsiPort, Integer nbdPort, Integer adminPort,
      List<VolumeDeclaration> volumes, String nodeId, String location, Integer clusterPort, List<String> join,
      StoreOptions store, Map<String, TargetAccess> iscsiAccess, NbdSecurity nbd, ClusterOptions cluster,
      Integer httpPort) {
    this(dataDir, listen, iscsiPort, nbdPort, adminPort, volumes, nodeId, location, clusterPort, join, store,
        iscsiAccess, nbd, cluster, httpPort, null, null);
  }

  /** A source that says nothing about the storage engine (the command line). */
  public NodeOptions(Path dataDir, String listen, Integer iscsiPort, Integer nbdPort, Integer adminPort,
      List<VolumeDeclaration> volumes, String nodeId, String location, Integer clusterPort, List<String> join) {
    this(dataDir, listen, iscsiPort, nbdPort, adminPort, volumes, nodeId, location, clusterPort, join,
        StoreOptions.NONE, Map.of(), null, ClusterOptions.NONE, null);
  }

  /** This source with the metrics and dashboard port set. */
  public NodeOptions withHttpPort(Integer port) {
    return new NodeOptions(dataDir, listen, iscsiPort, nbdPort, adminPort, volumes, nodeId, location, clusterPort,
        join, store, iscsiAccess, nbd, cluster, port, adminAuth, adminTls);
  }
}
