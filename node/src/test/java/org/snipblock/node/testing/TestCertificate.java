package org.snipblock.node.testing;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** A self-signed server certificate for 127.0.0.1 and its key, as PEM files, for TLS tests. */
public record TestCertificate(Path certificate, Path key) {

  public static TestCertificate create(Path dir) throws Exception {
    // RSA: GnuTLS (libnbd) rejects the PKCS#8 EC keys the JDK encodes.
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair pair = g.generateKeyPair();
    X500Name name = new X500Name("CN=127.0.0.1");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), name, pair.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    X509CertificateHolder cert = b.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate()));
    Path certFile = dir.resolve("server.pem");
    Path keyFile = dir.resolve("server.key");
    write(certFile, cert);
    write(keyFile, new PemObject("PRIVATE KEY", pair.getPrivate().getEncoded()));
    return new TestCertificate(certFile, keyFile);
  }

  private static void write(Path file, Object pemObject) throws IOException {
    try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(pemObject);
    }
  }
}
