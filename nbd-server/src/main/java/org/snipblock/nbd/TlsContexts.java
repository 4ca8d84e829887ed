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

  /** Null when TLS is off. Client certificates are asked for (not demanded) when a CA is set. */
  static SslContext serverContext(NbdServerConfig config) {
    if (config.tlsMode() == TlsMode.OFF) {
      return null;
    }
    try {
      SslContextBuilder builder = SslContextBuilder.forServer(
          config.certificateFile().toFile(), config.privateKeyFile().toFile())
          .protocols("TLSv1.3", "TLSv1.2");
      if (config.trustedCaFile() != null) {
        builder.trustManager(config.trustedCaFile().toFile()).clientAuth(ClientAuth.OPTIONAL);
      }
      return builder.build();
    } catch (SSLException e) {
      throw new UncheckedIOException("cannot load TLS certificate or key: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new UncheckedIOException(new IOException("bad TLS certificate or key: " + e.getMessage(), e));
    }
  }
}
