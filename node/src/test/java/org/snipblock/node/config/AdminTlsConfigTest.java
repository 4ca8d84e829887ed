package org.snipblock.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.OperatorError;
import org.snipblock.node.tls.CertificateAuthority;

/** {@code admin.tls} in the config file: paths relative to the file, and every bad file one line at start. */
class AdminTlsConfigTest {
  @TempDir Path dir;
  private Path file;

  @BeforeEach
  void certificates() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test CA", 1);
    ca.writeTo(dir);
    ca.issue(dir, "n1", List.of("n1"), List.of("127.0.0.1"), 1);
    Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    Files.writeString(dir.resolve("garbage.key"), "no key here\n");
    file = dir.resolve("node.yaml");
  }

  @Test
  void certificateKeyAndClientCaAreReadRelativeToTheFile() {
    NodeConfig c = NodeConfig.resolve(ConfigFile.parse(
        "data: /d\nadmin:\n  tls: {certificate: n1.pem, key: n1.key, client-ca: ca.pem}\n", file));
    assertThat(c.adminTls()).isEqualTo(new AdminTls(dir.resolve("n1.pem"), dir.resolve("n1.key"), dir.resolve("ca.pem")));
    assertThat(c.adminTls().httpContext().getProtocol()).isEqualTo("TLS");
    assertThat(NodeConfig.resolve(ConfigFile.parse("data: /d\nadmin:\n  tls: {certificate: n1.pem, key: n1.key}\n", file))
        .adminTls().clientCa()).isNull();
    assertThat(NodeConfig.resolve(ConfigFile.parse("data: /d\n", file)).adminTls()).isNull();
  }

  @Test
  void malformedTlsIsRefusedWithOneLineNamingTheFile() {
    for (List<String> bad : List.of(
        List.of("{certificate: n1.pem}", "admin.tls needs both 'certificate' and 'key'"),
        List.of("{key: n1.key}", "admin.tls needs both 'certificate' and 'key'"),
        List.of("{certificate: none.pem, key: n1.key}", "admin.tls: certificate " + dir.resolve("none.pem")
            + " is not a readable file"),
        List.of("{certificate: n1.pem, key: n1.key, client-ca: " + dir + "}", "admin.tls: client-ca " + dir
            + " is not a readable file"),
        List.of("{certificate: garbage.pem, key: n1.key}", "admin.tls: cannot use certificate " + dir.resolve("garbage.pem")),
        List.of("{certificate: n1.pem, key: garbage.key}", "holds no unencrypted PKCS#8 key"),
        List.of("{certificate: n1.pem, key: n1.key, client-ca: garbage.key}", "and client-ca " + dir.resolve("garbage.key")),
        List.of("{certificate: n1.pem, key: n1.key, clientca: ca.pem}", "unknown key 'clientca'"),
        List.of("yes", "admin.tls"))) {
      assertThatThrownBy(() -> ConfigFile.parse("data: /d\nadmin:\n  tls: " + bad.get(0) + "\n", file)).as(bad.get(0))
          .isInstanceOf(OperatorError.class).hasMessageContaining(bad.get(1))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }
}
