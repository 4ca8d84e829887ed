package org.snipblock.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import org.snipblock.cluster.security.LinkTls;
import org.snipblock.node.OperatorError;

/**
 * The config file's {@code cluster.tls: {certificate: FILE, key: FILE, ca: FILE}} (paths relative to
 * the file): mutual TLS on the links to the other nodes. Every node of a cluster needs it, with a
 * certificate from the same CA; a node without it, or with another CA's, is refused.
 */
final class ClusterTlsModel {
  @JsonProperty("certificate") String certificate;
  @JsonProperty("key") String key;
  @JsonProperty("ca") String ca;

  LinkTls toTls(Path origin) {
    String where = "config file " + origin + ": cluster.tls";
    if (certificate == null || key == null || ca == null) {
      throw new OperatorError(where + " needs 'certificate', 'key' and 'ca'");
    }
    LinkTls tls = new LinkTls(ConfigFile.NbdModel.readable(origin, where, "certificate", certificate),
        ConfigFile.NbdModel.readable(origin, where, "key", key), ConfigFile.NbdModel.readable(origin, where, "ca", ca));
    try {
      tls.check();
    } catch (IllegalArgumentException e) {
      throw new OperatorError("config file " + origin + ": " + e.getMessage(), e);
    }
    return tls;
  }
}
