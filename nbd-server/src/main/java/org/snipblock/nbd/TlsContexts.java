package org.snipblock.nbd;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.net.ssl.SSLException;

/** Builds the server's TLS context from the configured PEM files. */
final class TlsContexts {
  private TlsContexts() {}

  /**
   * Null when TLS is off. Client certificates are asked for (not demanded) when a CA is set; then
   * the server speaks TLS 1.2 only. Since 17.0.17 the JDK's TLS 1.3 CertificateRequest offers only
   * RSA-PSS among the RSA schemes, and GnuTLS 3.7 clients (libnbd and QEMU on Debian 12) then find
   * no use for an RSA client key and send no certificate, so every certificate check would refuse
   * them. TLS 1.2 (ECDHE, AEAD) lets them present it.
   */
  static SslContext serverContext(NbdServerConfig config) {
    if (config.tlsMode() == TlsMode.OFF) {
      return null;
    }
    try {
      SslContextBuilder builder = SslContextBuilder.forServer(
          config.certificateFile().toFile(), config.privateKeyFile().toFile());
      if (config.trustedCaFile() != null) {
        builder.trustManager(config.trustedCaFile().toFile()).clientAuth(ClientAuth.OPTIONAL)
            .protocols("TLSv1.2");
      } else {
        builder.protocols("TLSv1.3", "TLSv1.2");
      }
      return builder.build();
    } catch (SSLException e) {
      throw new UncheckedIOException("cannot load TLS certificate or key: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new UncheckedIOException(new IOException("bad TLS certificate or key: " + e.getMessage(), e));
    }
  }
}
