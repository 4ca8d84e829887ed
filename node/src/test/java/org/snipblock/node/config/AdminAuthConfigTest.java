package org.snipblock.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.snipblock.node.OperatorError;

class AdminAuthConfigTest {
  private static final Path FILE = Path.of("n.yaml");

  @Test
  void tokensAndRolesComeFromTheConfigFileAndAuthIsOffWithoutThem() {
    NodeConfig c = NodeConfig.resolve(ConfigFile.parse("""
        data: /d
        admin:
          auth:
            tokens:
              - {token: op-0123456789abcdef, role: operator}
              - {token: acme-0123456789abcdef, role: "tenant:acme"}
        """, FILE));
    assertThat(c.adminAuth().on()).isTrue();
    assertThat(c.adminAuth().roleOf("op-0123456789abcdef")).contains("");
    assertThat(c.adminAuth().roleOf("acme-0123456789abcdef")).contains("acme");
    assertThat(c.adminAuth().roleOf("acme-0123456789abcdeX")).isEmpty();
    assertThat(c.adminAuth().roleOf(null)).isEqualTo(Optional.empty());
    assertThat(NodeConfig.resolve(ConfigFile.parse("data: /d\n", FILE)).adminAuth()).isEqualTo(AdminAuth.OFF);
  }

  @Test
  void malformedAuthIsRefusedWithOneLineThatNeverShowsAToken() {
    String secret = "s3cret-0123456789abcdef";
    for (List<String> bad : List.of(
        List.of("admin:\n  auth:\n    tokens: []\n", "admin.auth.tokens: give at least one"),
        List.of("admin:\n  auth: {}\n", "admin.auth.tokens: give at least one"),
        List.of("admin:\n  auth:\n    tokens:\n      - {token: short, role: operator}\n", "tokens[0]: a token is at least 16"),
        List.of("admin:\n  auth:\n    tokens:\n      - {token: \"has space 0123456789\", role: operator}\n", "tokens[0]: a token"),
        List.of("admin:\n  auth:\n    tokens:\n      - {token: " + secret + "}\n", "tokens[0]: needs both 'token' and 'role'"),
        List.of("admin:\n  auth:\n    tokens:\n      - {token: " + secret + ", role: root}\n",
            "tokens[0]: role must be operator or tenant:NAME, not 'root'"),
        List.of("admin:\n  auth:\n    tokens:\n      - {token: " + secret + ", role: \"tenant:\"}\n", "invalid tenant name ''"),
        List.of("admin:\n  auth:\n    tokens:\n      - {token: " + secret + ", role: \"tenant:Big\"}\n", "invalid tenant name 'Big'"),
        List.of("admin:\n  auth:\n    tokens:\n      - {token: " + secret + ", role: operator}\n      - {token: " + secret
            + ", role: \"tenant:a\"}\n", "tokens[1]: the same token is given twice"),
        List.of("admin:\n  auth:\n    tokens:\n      - ~\n", "tokens[0]: needs both"),
        List.of("admin:\n  auth:\n    token: x\n", "unknown key 'token'"),
        List.of("admin:\n  oauth: {}\n", "unknown key 'oauth'"))) {
      assertThatThrownBy(() -> ConfigFile.parse("data: /d\n" + bad.get(0), FILE)).as(bad.get(0))
          .isInstanceOf(OperatorError.class).hasMessageContaining(bad.get(1))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain(secret));
    }
  }

  @Test
  void aClientCertificateNamesItsRoleWhenNoTokenIsGiven() {
    AdminAuth auth = AdminAuth.of(List.of(new AdminAuth.Grant("op-0123456789abcdef", "operator")),
        List.of(new AdminAuth.CertificateGrant("ops", "operator"), new AdminAuth.CertificateGrant("acme-ci", "tenant:acme")));
    assertThat(auth.roleOf(null, "ops")).contains("");
    assertThat(auth.roleOf(null, "acme-ci")).contains("acme");
    assertThat(auth.roleOf(null, "stranger")).isEmpty();
    assertThat(auth.roleOf(null, null)).isEmpty();
    // A token decides when given, whatever the certificate: a wrong one is refused.
    assertThat(auth.roleOf("op-0123456789abcdef", "acme-ci")).contains("");
    assertThat(auth.roleOf("wrong-0123456789abcdef", "ops")).isEmpty();
    assertThat(AdminAuth.of(List.of(), List.of(new AdminAuth.CertificateGrant("ops", "operator"))).on()).isTrue();
  }

  @Test
  void malformedCertificateRolesAreRefusedWithOneLine() {
    for (List<Object> bad : List.of(
        List.<Object>of(new AdminAuth.CertificateGrant("ops", null), "certificates[0]: needs both 'name' and 'role'"),
        List.<Object>of(new AdminAuth.CertificateGrant(" ", "operator"), "certificates[0]: name ' ' is not a certificate's name"),
        List.<Object>of(new AdminAuth.CertificateGrant("ops", "admin"), "certificates[0]: role must be operator or tenant:NAME"),
        List.<Object>of(new AdminAuth.CertificateGrant("ops", "tenant:Big"), "invalid tenant name 'Big'"))) {
      assertThatThrownBy(() -> AdminAuth.of(List.of(), List.of((AdminAuth.CertificateGrant) bad.get(0))))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining((String) bad.get(1))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
    assertThatThrownBy(() -> AdminAuth.of(List.of(), List.of(new AdminAuth.CertificateGrant("ops", "operator"),
        new AdminAuth.CertificateGrant("ops", "tenant:acme")))).hasMessage("certificates[1]: certificate name ops is given twice");
    // Without client-ca no handshake checks a certificate: naming one would trust whatever a client claims.
    assertThatThrownBy(() -> ConfigFile.parse("data: /d\nadmin:\n  auth:\n    certificates:\n      - {name: ops, role: operator}\n",
        FILE)).isInstanceOf(OperatorError.class)
        .hasMessage("config file n.yaml: admin.auth.certificates needs admin.tls with client-ca (only a certificate the "
            + "handshake checked names a caller)");
  }
}
