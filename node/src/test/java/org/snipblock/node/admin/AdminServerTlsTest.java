package org.snipblock.node.admin;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.AdminTls;

class AdminServerTlsTest {
  @TempDir Path tmp;

  @Test
  void anUnusableCertificateOrKeyIsOneOperatorErrorNamingTheFiles() throws Exception {
    Path cert = Files.writeString(tmp.resolve("node.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    Path key = Files.writeString(tmp.resolve("node.key"), "no key here\n");
    assertThatThrownBy(() -> AdminServer.start(new InetSocketAddress("127.0.0.1", 0), new AdminTls(cert, key), List.of()))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("admin.tls: cannot use certificate " + cert
            + " with key " + key + ": ");
  }
}
