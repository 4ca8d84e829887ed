package org.snipblock.node.admin;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import org.snipblock.node.OperatorError;

/**
 * How an admin client speaks TLS to a node with {@code admin.tls}: trusting {@code ca}, and
 * presenting {@code certificate} and {@code key} when the node asks for client certificates
 * ({@code admin.tls.client-ca}).
 *
 * @param ca          the CA (PEM) the node's certificate must lead to
 * @param certificate the client's certificate chain (PEM); null with {@code key}: none presented
 * @param key         its private key (PEM, PKCS#8)
 */
public record ClientTls(Path ca, Path certificate, Path key) {

  public ClientTls {
    if (ca == null) {
      throw new IllegalArgumentException("TLS to the admin API needs the CA to trust");
    }
    if ((certificate == null) != (key == null)) {
      throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
    }
  }

  ChannelCredentials credentials() {
    try {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(ca.toFile());
      if (certificate != null) {
        b.keyManager(certificate.toFile(), key.toFile());
      }
      return b.build();
    } catch (IOException | IllegalArgumentException e) {
      throw new OperatorError("cannot use the CA certificate " + ca
          + (certificate == null ? "" : " with client certificate " + certificate + " and key " + key)
          + ": " + e.getMessage(), e);
    }
  }
}
