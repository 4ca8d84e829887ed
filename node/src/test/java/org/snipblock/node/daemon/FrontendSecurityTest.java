package org.snipblock.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.config.ConfigFile;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.testing.MemoryVolumeManager;
import org.snipblock.node.testing.TestCertificate;
import org.snipblock.node.testing.Tools;

/** The frontends' security, switched on from the node's config file, seen by real clients. */
class FrontendSecurityTest {
  private static final long T = 60;

  @TempDir Path dir;

  private Node start(String yaml) throws Exception {
    Path file = dir.resolve("node.yaml");
    Files.writeString(file, "data: data\nlisten: 127.0.0.1\niscsi-port: 0\nnbd-port: 0\nadmin-port: 0\nnode-id: n1\n"
        + "volumes:\n  - {name: web1, size: 4M}\n  - {name: web2, size: 4M}\n" + yaml);
    NodeConfig config = NodeConfig.resolve(ConfigFile.load(file));
    Files.createDirectories(config.dataDir());
    MemoryVolumeManager volumes = new MemoryVolumeManager();
    return Node.start(config, DataDir.claim(config.dataDir()), volumes, volumes);
  }

  private static String iscsiUrl(String credentials, int port, String volume) {
    return "iscsi://" + credentials + "127.0.0.1:" + port + "/iqn.2026-11.org.snipblock:" + volume + "/0";
  }

  @Test
  void chapOnOneVolumeAdmitsTheRightSecretOnlyAndLeavesTheOthersOpen() throws Exception {
    Tools.require("iscsi-inq");
    try (Node node = start("iscsi:\n  volumes:\n    web1: {chap-user: alice, chap-secret: s3cret-s3cret}\n")) {
      int port = node.info().iscsiPort();
      Tools.run(T, "iscsi-inq", iscsiUrl("alice%s3cret-s3cret@", port, "web1")).ok();
      assertThat(Tools.run(T, "iscsi-inq", iscsiUrl("alice%wrong-wrong-wrong@", port, "web1")).exit())
          .as("a wrong secret is refused").isNotZero();
      assertThat(Tools.run(T, "iscsi-inq", iscsiUrl("", port, "web1")).exit())
          .as("no secret is refused").isNotZero();
      Tools.run(T, "iscsi-inq", iscsiUrl("", port, "web2")).ok();
    }
  }

  @Test
  void requiredTlsRefusesPlaintextNbd() throws Exception {
    Tools.require("nbdinfo");
    TestCertificate cert = TestCertificate.create(dir);
    try (Node node = start("nbd:\n  tls: required\n  certificate: server.pem\n  key: server.key\n")) {
      int port = node.info().nbdPort();
      Tools.Run plain = Tools.run(T, "nbdinfo", "nbd://127.0.0.1:" + port + "/web1");
      assertThat(plain.exit()).as("plaintext is refused: %s", plain.output()).isNotZero();
      Tools.run(T, "nbdinfo", "nbds://127.0.0.1:" + port + "/web1?tls-verify-peer=false").ok();
    }
    assertThat(cert.certificate()).exists();
  }
}
