package org.snipblock.node.tls;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A small certificate authority for a test or lab cluster ({@code snipblock certs init}): a CA, and
 * node certificates it signs for the names and addresses the nodes are reached by. RSA keys in
 * PKCS#8 PEM (what Netty, GnuTLS and OpenSSL all read).
 */
public final class CertificateAuthority {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyPair keys;
  private final X509CertificateHolder certificate;

  private CertificateAuthority(KeyPair keys, X509CertificateHolder certificate) {
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A new self-signed CA named {@code CN=name}, valid for {@code days}. */
  public static CertificateAuthority create(String name, int days) throws GeneralSecurityException {
    KeyPair pair = rsa();
    X500Name subject = new X500Name("CN=" + name);
    JcaX509v3CertificateBuilder b = builder(subject, subject, pair, days);
    try {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return new CertificateAuthority(pair, b.build(signer(pair)));
    } catch (IOException e) {
      throw new GeneralSecurityException("building the CA certificate failed", e);
    }
  }

  /** Writes the CA's certificate and key ({@code ca.pem}, {@code ca.key}). */
  public void writeTo(Path dir) throws IOException {
    write(dir.resolve("ca.pem"), certificate, false);
    write(dir.resolve("ca.key"), new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded()), true);
  }

  /**
   * Signs a node certificate {@code CN=name} for the DNS names and IP addresses given, and writes
   * {@code NAME.pem} (the certificate, then the CA's) and {@code NAME.key}.
   */
  public void issue(Path dir, String name, List<String> dnsNames, List<String> addresses, int days)
      throws GeneralSecurityException, IOException {
    KeyPair pair = rsa();
    JcaX509v3CertificateBuilder b = builder(new X500Name("CN=" + name), certificate.getSubject(), pair, days);
    List<GeneralName> alt = new ArrayList<>();
    dnsNames.forEach(d -> alt.add(new GeneralName(GeneralName.dNSName, d)));
    addresses.forEach(a -> alt.add(new GeneralName(GeneralName.iPAddress, a)));
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alt.toArray(GeneralName[]::new)));
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    X509CertificateHolder cert = b.build(signer(keys));
    Path certFile = dir.resolve(name + ".pem");
    try (Writer w = Files.newBufferedWriter(certFile); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(cert);
      pem.writeObject(certificate);
    }
    write(dir.resolve(name + ".key"), new PemObject("PRIVATE KEY", pair.getPrivate().getEncoded()), true);
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048, RANDOM);
    return g.generateKeyPair();
  }

  private static JcaX509v3CertificateBuilder builder(X500Name subject, X500Name issuer, KeyPair pair, int days) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).abs().add(BigInteger.ONE),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(days))), subject,
        pair.getPublic());
  }

  private static org.bouncycastle.operator.ContentSigner signer(KeyPair pair) throws GeneralSecurityException {
    try {
      return new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate());
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("no SHA256withRSA signer", e);
    }
  }

  /** Writes one PEM object; a key file is readable by its owner only (where the file system has owners). */
  private static void write(Path file, Object pemObject, boolean secret) throws IOException {
    Files.createFile(file);
    if (secret && Files.getFileAttributeView(file, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
    try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(pemObject);
    }
  }
}
