package org.snipblock.node.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.daemon.NodeInfo;
import org.snipblock.node.admin.AdminClient;
import org.snipblock.node.admin.ClientTls;
import picocli.CommandLine.Option;

/** How an operator command finds the node it talks to, and how it answers. */
final class AdminOptions {
  @Option(names = "--admin", paramLabel = "HOST:PORT", converter = Converters.HostPort.class,
      description = "Admin API of the node (default: from DIR/node.json, else 127.0.0.1:7070).")
  String admin;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Data directory of a local node, to find its admin port (default ./snipblock-data).")
  Path dataDir;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:SNIPBLOCK_TOKEN}",
      description = "Admin token, when the node has admin.auth (default: $SNIPBLOCK_TOKEN).")
  String token;

  @Option(names = {"--tls-ca", "--ca"}, paramLabel = "FILE", defaultValue = "${env:SNIPBLOCK_CA}",
      description = "Talk TLS to a node with admin.tls, trusting this CA certificate (default: $SNIPBLOCK_CA).")
  Path ca;

  @Option(names = "--tls-cert", paramLabel = "FILE", defaultValue = "${env:SNIPBLOCK_TLS_CERT}",
      description = "Client certificate (PEM) for a node whose admin.tls has client-ca (default: $SNIPBLOCK_TLS_CERT).")
  Path certificate;

  @Option(names = "--tls-key", paramLabel = "FILE", defaultValue = "${env:SNIPBLOCK_TLS_KEY}",
      description = "The client certificate's key (PEM, PKCS#8; default: $SNIPBLOCK_TLS_KEY).")
  Path key;

  String target() {
    if (admin != null) {
      return admin;
    }
    Path dir = dataDir != null ? dataDir : UpCommand.DEFAULT_DATA;
    return NodeInfo.readFrom(dir).map(NodeInfo::adminAddress)
        .orElse(NodeConfig.DEFAULT_LISTEN + ":" + NodeConfig.DEFAULT_ADMIN_PORT);
  }

  /** Runs {@code call} against the node, turning gRPC failures into one-line operator errors. */
  <T> T call(Function<AdminClient, T> call) {
    String target = target();
    try (AdminClient client = new AdminClient(target, token, tls())) {
      return call.apply(client);
    } catch (StatusRuntimeException e) {
      throw new OperatorError(describe(e.getStatus(), target));
    }
  }

  /** The TLS the options ask for; null: plaintext. */
  private ClientTls tls() {
    readable("--tls-ca", ca);
    readable("--tls-cert", certificate);
    readable("--tls-key", key);
    if (ca == null) {
      if (certificate != null || key != null) {
        throw new OperatorError("--tls-cert and --tls-key need --tls-ca (the CA of the node's admin.tls certificate)");
      }
      return null;
    }
    if ((certificate == null) != (key == null)) {
      throw new OperatorError("--tls-cert and --tls-key go together (a client certificate and its key)");
    }
    return new ClientTls(ca, certificate, key);
  }

  private static void readable(String option, Path file) {
    if (file != null && !(Files.isRegularFile(file) && Files.isReadable(file))) {
      throw new OperatorError(option + " " + file + " is not a readable file");
    }
  }

  static String describe(Status status, String target) {
    return switch (status.getCode()) {
      case UNAVAILABLE -> "cannot reach the snipblock admin API at " + target
          + " (is the node running? give --admin HOST:PORT; a node with admin.tls needs --tls-ca FILE, "
          + "and --tls-cert/--tls-key when it asks for client certificates)";
      case DEADLINE_EXCEEDED -> "the admin API at " + target + " did not answer in time";
      case UNAUTHENTICATED -> status.getDescription() + " (give --token TOKEN or set SNIPBLOCK_TOKEN)";
      default -> status.getDescription() != null
          ? status.getDescription()
          : "the admin API at " + target + " failed: " + status.getCode();
    };
  }
}
