package org.snipblock.nbd;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** A throw-away CA issuing a server certificate for 127.0.0.1 and named client certificates. */
final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final KeyPair caKey;
  private final X509Certificate caCert;
  final Path caFile;
  final Path serverCert;
  final Path serverKey;

  TestPki(Path dir) throws Exception {
    this(dir, true);
  }

  /** Without {@code serverCertificate} only the CA is made (for issuing client certificates). */
  TestPki(Path dir, boolean serverCertificate) throws Exception {
    Files.createDirectories(dir);
    caKey = keyPair();
    X500Name ca = new X500Name("CN=snipblock test CA");
    X509v3CertificateBuilder b = builder(ca, ca, caKey);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    caCert = sign(b, caKey);
    caFile = writeCert(dir.resolve("ca.pem"), caCert);
    if (!serverCertificate) {
      serverCert = null;
      serverKey = null;
      return;
    }
    KeyPair server = keyPair();
    X509v3CertificateBuilder s = builder(new X500Name("CN=127.0.0.1"), ca, server);
    s.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
        new GeneralName(GeneralName.dNSName, "localhost")}));
    s.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    s.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    serverCert = writeCert(dir.resolve("server-cert.pem"), sign(s, caKey));
    serverKey = writeKey(dir.resolve("server-key.pem"), server);
  }

  /**
   * A directory laid out as libnbd's tls-certificates expects (ca-cert.pem, client-cert.pem,
   * client-key.pem) for a client certificate with subject CN {@code name}.
   */
  Path clientDirectory(Path dir, String name) throws Exception {
    Files.createDirectories(dir);
    KeyPair client = keyPair();
    X509v3CertificateBuilder c = builder(new X500Name("CN=" + name), new X500Name("CN=snipblock test CA"), client);
    c.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    c.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    writeCert(dir.resolve("client-cert.pem"), sign(c, caKey));
    writeKey(dir.resolve("client-key.pem"), client);
    writeCert(dir.resolve("ca-cert.pem"), caCert);
    return dir;
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    // RSA: GnuTLS (libnbd) rejects the PKCS#8 EC keys the JDK encodes.
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(X500Name subject, X500Name issuer, KeyPair key) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))),
        subject, key.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
  }

  private static Path writeCert(Path file, X509Certificate cert) throws IOException {
    try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(cert);
    }
    return file;
  }

  private static Path writeKey(Path file, KeyPair key) throws IOException {
    try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(new PemObject("PRIVATE KEY", key.getPrivate().getEncoded()));
    }
    return file;
  }
}
