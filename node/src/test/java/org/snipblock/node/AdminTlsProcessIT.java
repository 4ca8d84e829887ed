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
 * TLS on the admin API with certificates from {@code snipblock certs init}: the CLI trusting the CA
 * works, a plaintext client and a client trusting another CA are refused, openssl sees the chain.
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
          .contains("--ca " + tmp.resolve("none.pem") + " is not a readable file");

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
}
