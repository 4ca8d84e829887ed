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

  /**
   * The TLS the environment asks for, as the CLI reads it ({@code SNIPBLOCK_CA}, {@code
   * SNIPBLOCK_TLS_CERT}, {@code SNIPBLOCK_TLS_KEY}); null without a CA: plaintext. For programs
   * without the CLI's options (the hypervisor adapter).
   *
   * @throws OperatorError naming the variable whose file cannot be read, or a certificate without its key
   */
  public static ClientTls fromEnvironment(java.util.function.Function<String, String> env) {
    Path ca = file(env, "SNIPBLOCK_CA");
    Path certificate = file(env, "SNIPBLOCK_TLS_CERT");
    Path key = file(env, "SNIPBLOCK_TLS_KEY");
    if (ca == null) {
      if (certificate != null || key != null) {
        throw new OperatorError("SNIPBLOCK_TLS_CERT and SNIPBLOCK_TLS_KEY need SNIPBLOCK_CA (the CA of the nodes' "
            + "admin.tls certificates)");
      }
      return null;
    }
    if ((certificate == null) != (key == null)) {
      throw new OperatorError("SNIPBLOCK_TLS_CERT and SNIPBLOCK_TLS_KEY go together (a client certificate and its key)");
    }
    return new ClientTls(ca, certificate, key);
  }

  private static Path file(java.util.function.Function<String, String> env, String variable) {
    String value = env.apply(variable);
    if (value == null || value.isEmpty()) {
      return null;
    }
    Path file = Path.of(value);
    if (!java.nio.file.Files.isRegularFile(file) || !java.nio.file.Files.isReadable(file)) {
      throw new OperatorError(variable + "=" + value + " is not a readable file");
    }
    return file;
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
