package org.snipblock.node.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.snipblock.node.config.ConfigFile;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.config.VolumeDeclaration;
import org.snipblock.node.logging.LogFormat;
import picocli.CommandLine.Option;

/** The daemon's flags, shared by {@code serve} and {@code up}. Unset flags stay null. */
final class ServeOptions {
  @Option(names = "--data", paramLabel = "DIR", description = "Data directory (created if absent).")
  Path dataDir;

  @Option(names = "--listen", paramLabel = "ADDRESS",
      description = "Address all services bind to (default 127.0.0.1).")
  String listen;

  @Option(names = "--iscsi-port", paramLabel = "PORT", converter = Converters.Port.class,
      description = "iSCSI port (default 3260; 0 = any free port).")
  Integer iscsiPort;

  @Option(names = "--nbd-port", paramLabel = "PORT", converter = Converters.Port.class,
      description = "NBD port (default 10809; 0 = any free port).")
  Integer nbdPort;

  @Option(names = "--admin-port", paramLabel = "PORT", converter = Converters.Port.class,
      description = "Admin API (gRPC) port (default 7070; 0 = any free port).")
  Integer adminPort;

  @Option(names = "--http-port", paramLabel = "PORT", converter = Converters.Port.class,
      description = "Serve /metrics (Prometheus) and the web dashboard on this port (default: off; 0 = any free "
          + "port; up opens one).")
  Integer httpPort;

  @Option(names = "--volume", paramLabel = "NAME:SIZE", converter = Converters.Volume.class,
      description = "Serve this volume, creating it thin if absent (e.g. vol0:10G). Repeatable.")
  List<VolumeDeclaration> volumes = new ArrayList<>();

  @Option(names = "--node-id", paramLabel = "ID", description = "This node's name (default: host name).")
  String nodeId;

  @Option(names = "--location", paramLabel = "SITE/COMPARTMENT/RACK/HOST",
      description = "Where this node stands, for placement: four names, e.g. eu1/fc2/r07/h3 "
          + "(default local/local/local/NODE-ID).")
  String location;

  @Option(names = "--cluster-port", paramLabel = "PORT", converter = Converters.Port.class,
      description = "Join a cluster: this node's cluster (JGroups TCP) port on the listen address. "
          + "Without it the node runs standalone and serves its local volumes.")
  Integer clusterPort;

  @Option(names = "--join", paramLabel = "HOST:PORT[,HOST:PORT...]", split = ",",
      description = "Cluster ports of every metadata voter, this node included; give every node the same list "
          + "(default: this node alone).")
  List<String> join = new ArrayList<>();

  @Option(names = "--log-format", paramLabel = "text|json", converter = Converters.Format.class,
      description = "How the log on stderr is written: text (default) or json (one object a line with time, level, "
          + "logger, thread, node, message, exception).")
  LogFormat logFormat = LogFormat.TEXT;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file; flags override it.")
  Path configFile;

  NodeOptions fromFile() {
    return configFile == null ? NodeOptions.NONE : ConfigFile.load(configFile);
  }

  NodeOptions fromFlags() {
    return new NodeOptions(dataDir, listen, iscsiPort, nbdPort, adminPort, volumes, nodeId, location,
        clusterPort, join).withHttpPort(httpPort);
  }
}
