package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.cli.Main;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Tools;

/**
 * TLS on the admin API and the HTTP port with certificates from {@code snipblock certs init}: the CLI
 * trusting the CA works, a plaintext client and a client trusting another CA are refused, openssl
 * sees the chain; with {@code client-ca} only a client certificate of that CA gets in; curl reads
 * the metrics over HTTPS; a bad certificate stops the start with one line.
 */
class AdminTlsProcessIT {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void theAdminApiSpeaksOnlyTlsWithTheCertificatesCertsInitMade() throws IOException {
    Path certs = tmp.resolve("certs");
    assertThat(run("certs", "init", certs.toString(), "--node", "n1")).startsWith("0:wrote ");
    assertThat(Files.readString(certs.resolve("n1.pem"))).contains("BEGIN CERTIFICATE");
    assertThat(Files.readString(certs.resolve("n1.key"))).contains("BEGIN PRIVATE KEY");
    assertThat(run("certs", "init", certs.toString())).isEqualTo("1:snipblock: " + certs
        + " exists and is not an empty directory: certs init never overwrites keys");
    assertThat(run("certs", "init", tmp.resolve("x").toString(), "--node", "ca")).startsWith("2:snipblock: invalid --node 'ca'");
    assertThat(run("certs", "init", tmp.resolve("x").toString(), "--ip", "10.0.0.256"))
        .startsWith("2:snipblock: invalid --ip '10.0.0.256'");
    Path other = tmp.resolve("other");
    run("certs", "init", other.toString());

    Path config = tmp.resolve("node.yaml");
    Files.writeString(config, "admin:\n  tls:\n    certificate: " + certs.resolve("n1.pem") + "\n    key: "
        + certs.resolve("n1.key") + "\n");
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data"), "--config", config.toString()).start()) {
      String ca = certs.resolve("ca.pem").toString();
      node.cli("volume", "create", "v", "64M", "--ca", ca);
      assertThat(node.cli("volume", "list", "--ca", ca)).contains("v ");
      assertThat(node.cliError("volume", "list")).as("plaintext").contains("cannot reach the snipblock admin API");
      assertThat(node.cliError("volume", "list", "--ca", other.resolve("ca.pem").toString()))
          .as("another CA").contains("cannot reach the snipblock admin API");
      assertThat(node.cliError("volume", "list", "--ca", tmp.resolve("none.pem").toString()))
          .contains("--tls-ca " + tmp.resolve("none.pem") + " is not a readable file");

      Tools.require("openssl");
      String port = node.info().adminAddress().substring(node.info().adminAddress().lastIndexOf(':') + 1);
      String verify = Tools.run(30, "sh", "-c", "openssl s_client -connect 127.0.0.1:" + port + " -CAfile " + ca
          + " -verify_ip 127.0.0.1 -alpn h2 </dev/null 2>&1").output();
      assertThat(verify).contains("Verify return code: 0 (ok)");
    }
  }

  /** The CLI in this JVM: "STATUS:first line of output or error". */
  private static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    String text = status == 0 ? out.toString() : err.toString();
    return status + ":" + text.lines().findFirst().orElse("");
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void withClientCaTheCliAndCurlPresentTheirCertificatesOnBothPorts() throws IOException {
    Tools.require("openssl", "curl");
    Path certs = tmp.resolve("certs");
    assertThat(run("certs", "init", certs.toString(), "--node", "n1", "--client", "ops,acme")).isEqualTo("0:wrote "
        + certs.resolve("ca.pem") + " and ca.key (keep ca.key offline), and n1.pem/.key, ops.pem/.key, acme.pem/.key");
    assertThat(run("certs", "init", tmp.resolve("x").toString(), "--node", "a", "--client", "a"))
        .startsWith("2:snipblock: a name is both a --node and a --client");
    Path other = tmp.resolve("other");
    run("certs", "init", other.toString(), "--client", "ops");
    Path config = tmp.resolve("node.yaml");
    Files.writeString(config, """
        http-port: 0
        admin:
          auth:
            certificates:
              - {name: ops, role: operator}
              - {name: acme, role: "tenant:acme"}
          tls:
            certificate: certs/n1.pem
            key: certs/n1.key
            client-ca: certs/ca.pem
        """);
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data"), "--config", config.toString()).start()) {
      String ca = certs.resolve("ca.pem").toString();
      String cert = certs.resolve("ops.pem").toString();
      String key = certs.resolve("ops.key").toString();
      node.cli("volume", "create", "v", "64M", "--tls-ca", ca, "--tls-cert", cert, "--tls-key", key);
      assertThat(node.cli("volume", "list", "--tls-ca", ca, "--tls-cert", cert, "--tls-key", key)).contains("v ");
      assertThat(node.cliError("volume", "list", "--tls-ca", ca)).as("no client certificate")
          .contains("cannot reach the snipblock admin API");
      assertThat(node.cliError("volume", "list", "--tls-ca", ca, "--tls-cert", other.resolve("ops.pem").toString(),
          "--tls-key", other.resolve("ops.key").toString())).as("another CA's client certificate")
          .contains("cannot reach the snipblock admin API");
      assertThat(node.cliError("volume", "list")).as("plaintext").contains("cannot reach the snipblock admin API");
      assertThat(node.cliError("volume", "list", "--tls-ca", ca, "--tls-cert", cert))
          .contains("--tls-cert and --tls-key go together");
      assertThat(node.cliError("volume", "list", "--tls-cert", cert, "--tls-key", key)).contains("need --tls-ca");
      // Without a token the certificate names the caller: acme's is a tenant's, confined to its own volumes.
      String acme = certs.resolve("acme.pem").toString();
      String acmeKey = certs.resolve("acme.key").toString();
      assertThat(node.cliError("volume", "show", "v", "--tls-ca", ca, "--tls-cert", acme, "--tls-key", acmeKey).strip())
          .isEqualTo("snipblock: no volume named v");
      assertThat(node.cliError("tenant", "create", "x", "--tls-ca", ca, "--tls-cert", acme, "--tls-key", acmeKey).strip())
          .isEqualTo("snipblock: tenant acme may not create tenants (operator only)");

      String admin = node.info().adminAddress();
      String adminPort = admin.substring(admin.lastIndexOf(':') + 1);
      assertThat(handshake(adminPort, ca, " -cert " + cert + " -key " + key)).as("the operator's certificate")
          .contains("Verify return code: 0 (ok)").doesNotContain("alert");
      assertThat(handshake(adminPort, ca, "")).as("no client certificate").contains("alert");

      // The HTTP port asks for a client certificate of the same CA, as the admin API does.
      String url = node.info().httpUrl();
      assertThat(url).startsWith("https://127.0.0.1:");
      Tools.Run metrics = Tools.run(30, "curl", "-sS", "--cacert", ca, "--cert", cert, "--key", key, url + "/metrics");
      assertThat(metrics.exit()).as(metrics.output()).isZero();
      assertThat(metrics.output()).contains("snipblock_node_up");
      Tools.Run dashboard = Tools.run(30, "curl", "-sS", "--cacert", ca, "--cert", cert, "--key", key, url + "/");
      assertThat(dashboard.exit()).as(dashboard.output()).isZero();
      assertThat(dashboard.output()).contains("<html");
      Tools.Run tenant = Tools.run(30, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca, "--cert",
          acme, "--key", acmeKey, url + "/metrics");
      assertThat(tenant.output()).as("a tenant's certificate on /metrics").isEqualTo("403");
      Tools.Run noCertificate = Tools.run(30, "curl", "-sS", "--cacert", ca, url + "/metrics");
      assertThat(noCertificate.exit()).as("curl without a client certificate: " + noCertificate.output()).isNotZero();
      assertThat(noCertificate.output()).doesNotContain("snipblock_node_up");
      Tools.Run otherCa = Tools.run(30, "curl", "-sS", "--cacert", ca, "--cert", other.resolve("ops.pem").toString(),
          "--key", other.resolve("ops.key").toString(), url + "/metrics");
      assertThat(otherCa.exit()).as("curl with another CA's certificate: " + otherCa.output()).isNotZero();
      assertThat(otherCa.output()).doesNotContain("snipblock_node_up");
      Tools.Run untrusted = Tools.run(30, "curl", "-sS", "--cert", cert, "--key", key, url + "/metrics");
      assertThat(untrusted.exit()).as("curl without the CA: " + untrusted.output()).isEqualTo(60);
      Tools.Run plain = Tools.run(30, "curl", "-sS", url.replace("https://", "http://") + "/metrics");
      assertThat(plain.exit()).as("plain HTTP: " + plain.output()).isNotZero();
      assertThat(plain.output()).doesNotContain("snipblock_node_up");
      String httpPort = url.substring(url.lastIndexOf(':') + 1);
      assertThat(handshake(httpPort, ca, " -cert " + cert + " -key " + key)).as("HTTPS with the operator's certificate")
          .contains("Verify return code: 0 (ok)").doesNotContain("alert");
      // The JDK's server asks for a certificate of the CA, then closes the connection without a word.
      assertThat(handshake(httpPort, ca, "")).as("HTTPS without a client certificate")
          .contains("Acceptable client certificate CA names\nCN = snipblock CA").containsAnyOf("alert", "unexpected eof");
    }
  }

  @Test
  void aKeyThatIsNoKeyStopsTheStartWithOneLine() throws IOException {
    Path certs = tmp.resolve("certs");
    run("certs", "init", certs.toString(), "--node", "n1");
    Path config = Files.writeString(tmp.resolve("node.yaml"), "admin:\n  tls: {certificate: certs/n1.pem, key: certs/n1.pem}\n");
    assertThat(run("serve", "--data", tmp.resolve("data").toString(), "--config", config.toString()))
        .isEqualTo("1:snipblock: config file " + config + ": admin.tls: cannot use certificate " + certs.resolve("n1.pem")
            + " with key " + certs.resolve("n1.pem") + ": " + certs.resolve("n1.pem")
            + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY)");
    assertThat(tmp.resolve("data")).doesNotExist();
  }

  /** openssl's view of a TLS handshake; the server's verdict on a client certificate comes after it in TLS 1.3. */
  private static String handshake(String port, String ca, String clientCertificate) {
    return Tools.run(30, "sh", "-c", "sleep 1 | openssl s_client -connect 127.0.0.1:" + port + " -CAfile " + ca
        + clientCertificate + " -verify_ip 127.0.0.1 2>&1").output();
  }
}
