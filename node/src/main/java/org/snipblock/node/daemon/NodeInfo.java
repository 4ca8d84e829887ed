package org.snipblock.node.daemon;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Where a running node can be reached, written to {@code DATA/node.json} once every port is
 * bound: with port 0 only the node knows its ports, and tests and the CLI read them here.
 * {@code operatorTls}: the admin API and the HTTP port speak TLS ({@code admin.tls}).
 */
public record NodeInfo(
    long pid, String nodeId, String listen, int iscsiPort, int nbdPort, int adminPort, long startedEpochMillis,
    int httpPort, boolean operatorTls) {

  public static final String FILE_NAME = "node.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** Writes the file atomically, so a reader never sees half of it. */
  public void writeTo(Path dataDir) {
    Path target = dataDir.resolve(FILE_NAME);
    Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
    try {
      JSON.writeValue(tmp.toFile(), this);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  /** The file of a node that runs or ran on {@code dataDir}; empty if there is none or it is unreadable. */
  public static Optional<NodeInfo> readFrom(Path dataDir) {
    Path file = dataDir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), NodeInfo.class));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public static void removeFrom(Path dataDir) {
    try {
      Files.deleteIfExists(dataDir.resolve(FILE_NAME));
    } catch (IOException ignored) {
      // A stale file only misleads until the next start overwrites it.
    }
  }

  /** host:port of the admin API, as the CLI's --admin takes it. */
  public String adminAddress() {
    return host() + ":" + adminPort;
  }

  /** http(s)://host:port of the metrics and dashboard port (httpPort is 0 when it is off). */
  public String httpUrl() {
    return (operatorTls ? "https://" : "http://") + host() + ":" + httpPort;
  }

  private String host() {
    return listen.contains(":") ? "[" + listen + "]" : listen;
  }
}
