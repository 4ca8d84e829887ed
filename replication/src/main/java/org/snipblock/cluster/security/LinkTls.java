package org.snipblock.cluster.security;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * TLS on the links between nodes (the config file's {@code cluster.tls}): the replication and door
 * gRPC traffic and the JGroups traffic of membership and the raft metadata. Both ends present a
 * certificate signed by {@code ca} and accept only peers whose certificate is (mutual TLS), so a
 * node with a certificate from another CA, or none, cannot join or send a replica anything.
 *
 * @param certificate this node's certificate chain (PEM)
 * @param key         its private key (PEM, PKCS#8)
 * @param ca          the certificates a peer's chain must lead to (PEM)
 */
public record LinkTls(Path certificate, Path key, Path ca) {

  public LinkTls {
    if (certificate == null || key == null || ca == null) {
      throw new IllegalArgumentException("cluster TLS needs a certificate, a key and a CA");
    }
  }

  /** Checks that the files make a usable key and trust store; the message names what is wrong. */
  public void check() {
    try {
      PemKeys.keyStore(certificate, key, new char[0]);
      PemKeys.trustStore(ca, new char[0]);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cluster.tls: cannot use certificate " + certificate + ", key " + key
          + " and CA " + ca + ": " + e.getMessage(), e);
    }
  }

  /** The replication server's side: its certificate, and a client certificate required from every peer. */
  public ServerCredentials serverCredentials() {
    try {
      return TlsServerCredentials.newBuilder().keyManager(certificate.toFile(), key.toFile())
          .trustManager(ca.toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build();
    } catch (IOException e) {
      throw new IllegalArgumentException("cluster.tls: " + e.getMessage(), e);
    }
  }

  /** A channel's side: this node's certificate offered, the peer's checked against the CA and its address. */
  public ChannelCredentials channelCredentials() {
    try {
      return TlsChannelCredentials.newBuilder().keyManager(certificate.toFile(), key.toFile())
          .trustManager(ca.toFile()).build();
    } catch (IOException e) {
      throw new IllegalArgumentException("cluster.tls: " + e.getMessage(), e);
    }
  }

  /**
   * The attributes that turn on TLS in the JGroups TCP transport, with client authentication
   * required. JGroups reads key stores from files: they are written to {@code dir} (readable by the
   * owner only) with a fresh password each start.
   */
  public String jgroupsAttributes(Path dir) {
    try {
      Files.createDirectories(dir);
      byte[] secret = new byte[18];
      new SecureRandom().nextBytes(secret);
      String password = HexFormat.of().formatHex(secret);
      Path keys = dir.resolve("jgroups-keys.p12");
      Path trust = dir.resolve("jgroups-trust.p12");
      store(PemKeys.keyStore(certificate, key, password.toCharArray()), keys, password);
      store(PemKeys.trustStore(ca, password.toCharArray()), trust, password);
      return ("tls.enabled=\"true\" tls.client_auth=\"NEED\" tls.keystore_type=\"PKCS12\" tls.keystore_path=\"%s\" "
          + "tls.keystore_password=\"%s\" tls.truststore_type=\"PKCS12\" tls.truststore_path=\"%s\" "
          + "tls.truststore_password=\"%s\"").formatted(keys.toAbsolutePath(), password, trust.toAbsolutePath(), password);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cluster.tls: cannot prepare the membership's key stores: " + e.getMessage(), e);
    }
  }

  private static void store(KeyStore ks, Path file, String password) throws IOException, GeneralSecurityException {
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
      ks.store(out, password.toCharArray());
    }
  }
}
