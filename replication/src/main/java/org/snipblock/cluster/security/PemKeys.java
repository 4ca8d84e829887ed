package org.snipblock.cluster.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * PEM certificates and PKCS#8 keys (what {@code snipblock certs init} writes) as JDK key stores: for
 * the links between nodes ({@link LinkTls}) and the node's own HTTPS port, which the JDK's HTTP
 * server can only serve from an {@link SSLContext}.
 */
public final class PemKeys {
  private static final String BEGIN_KEY = "-----BEGIN PRIVATE KEY-----";
  private static final String END_KEY = "-----END PRIVATE KEY-----";

  private PemKeys() {}

  public static List<Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
    byte[] raw = Files.readAllBytes(pem);
    List<Certificate> certs = List.copyOf(CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(raw)));
    if (certs.isEmpty()) {
      throw new GeneralSecurityException("no certificate in " + pem);
    }
    return certs;
  }

  /** An unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}), RSA or EC. */
  public static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    int from = text.indexOf(BEGIN_KEY);
    int to = text.indexOf(END_KEY);
    if (from < 0 || to < from) {
      throw new GeneralSecurityException(pem + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(from + BEGIN_KEY.length(), to));
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException(pem + ": the key is not valid base64", e);
    }
    GeneralSecurityException last = null;
    for (String algorithm : List.of("RSA", "EC")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw new GeneralSecurityException(pem + ": neither an RSA nor an EC key", last);
  }

  /** A PKCS#12 store holding the key with its certificate chain under alias {@code node}. */
  public static KeyStore keyStore(Path certificate, Path key, char[] password) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("node", privateKey(key), password, certificates(certificate).toArray(Certificate[]::new));
    return ks;
  }

  /** A PKCS#12 store trusting every certificate in {@code ca}. */
  public static KeyStore trustStore(Path ca, char[] password) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, password);
    int i = 0;
    for (Certificate c : certificates(ca)) {
      ks.setCertificateEntry("ca" + i++, c);
    }
    return ks;
  }

  /** A TLS server context presenting {@code certificate} (chain) with {@code key}; no client certificates asked. */
  public static SSLContext serverContext(Path certificate, Path key) throws IOException, GeneralSecurityException {
    char[] none = new char[0];
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(keyStore(certificate, key, none), none);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    return context;
  }
}
