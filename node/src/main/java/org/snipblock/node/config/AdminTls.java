package org.snipblock.node.config;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.snipblock.cluster.security.PemKeys;

/**
 * TLS on the node's operator ports (the config file's {@code admin.tls}): the admin API and the HTTP
 * port (metrics, dashboard) both present {@code certificate} and speak TLS only, so a plaintext
 * client is refused. With {@code clientCa} both also require a client certificate leading to it
 * (an operator's CLI, Prometheus' {@code cert_file}, a browser's imported certificate), checked
 * in the handshake; the tokens of {@code admin.auth} still decide the caller's role on both.
 *
 * @param certificate the node's certificate chain (PEM)
 * @param key         its private key (PEM, PKCS#8)
 * @param clientCa    the CA a client certificate must lead to (PEM); null: none asked
 */
public record AdminTls(Path certificate, Path key, Path clientCa) {

  public AdminTls {
    if (certificate == null || key == null) {
      throw new IllegalArgumentException("admin TLS needs a certificate and a key");
    }
  }

  public AdminTls(Path certificate, Path key) {
    this(certificate, key, null);
  }

  /** Reads the files as the servers will; the message names what is wrong, so a bad file stops the start. */
  public void check() {
    try {
      PemKeys.keyStore(certificate, key, new char[0]);
      if (clientCa != null) {
        PemKeys.trustStore(clientCa, new char[0]);
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(failure(e), e);
    }
  }

  /** The admin API's side: the node's certificate, and a client certificate of {@code clientCa} when given. */
  public ServerCredentials serverCredentials() {
    try {
      TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(certificate.toFile(), key.toFile());
      if (clientCa != null) {
        b.trustManager(clientCa.toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return b.build();
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(failure(e), e);
    }
  }

  /**
   * The HTTP port's side (the JDK's HTTPS server): the node's certificate, and with {@code clientCa}
   * the trust a client certificate is checked against (the port then requires one, {@link #clientCa}).
   */
  public SSLContext httpContext() {
    try {
      if (clientCa == null) {
        return PemKeys.serverContext(certificate, key);
      }
      char[] none = new char[0];
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(PemKeys.keyStore(certificate, key, none), none);
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(PemKeys.trustStore(clientCa, none));
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(failure(e), e);
    }
  }

  /** One line naming the files, for a failure reading them or building a server from them. */
  public String failure(Exception e) {
    return e.getMessage() != null && e.getMessage().startsWith("admin.tls: ") ? e.getMessage()
        : "admin.tls: cannot use certificate " + certificate + " with key " + key
            + (clientCa == null ? "" : " and client-ca " + clientCa) + ": " + e.getMessage();
  }
}
