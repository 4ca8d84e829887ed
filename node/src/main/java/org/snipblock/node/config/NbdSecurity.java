package org.snipblock.node.config;

import java.nio.file.Path;
import java.util.Map;
import org.snipblock.nbd.ExportPolicies;
import org.snipblock.nbd.ExportPolicy;
import org.snipblock.nbd.NbdServerConfig;
import org.snipblock.nbd.TlsMode;

/**
 * The NBD door's TLS and per-export policies (the config file's {@code nbd:} section). Exports
 * not named are writable and open to every client that passes the TLS mode.
 *
 * @param certificate server certificate chain (PEM); required unless TLS is off
 * @param key         server private key (PEM)
 * @param ca          CA that client certificates are checked against; null: none requested
 */
public record NbdSecurity(TlsMode tls, Path certificate, Path key, Path ca, Map<String, ExportPolicy> exports) {
  public static final NbdSecurity OFF = new NbdSecurity(TlsMode.OFF, null, null, null, Map.of());

  public NbdSecurity {
    exports = Map.copyOf(exports);
  }

  /** A snapshot's export ({@code NAME@SNAP}) is guarded as its volume is. */
  public NbdServerConfig applyTo(NbdServerConfig server) {
    ExportPolicies byVolume = ExportPolicies.of(exports, ExportPolicy.OPEN);
    return server.withTls(tls, certificate, key, ca)
        .withExportPolicies(name -> byVolume.forExport(NodeConfig.volumeOf(name)));
  }
}
