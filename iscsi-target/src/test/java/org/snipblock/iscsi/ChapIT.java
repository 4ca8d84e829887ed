package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.login.LoginHandler;

/** CHAP (one-way and mutual) and initiator ACLs with libiscsi's tools and qemu-img. */
class ChapIT {
  private static final Duration T = Duration.ofSeconds(30);
  private static final String ALLOWED = "iqn.2026-11.org.snipblock.test:allowed";
  private static IscsiTarget target;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    MemoryCatalog catalog = new MemoryCatalog().add("oneway", 8L << 20).add("mutual", 8L << 20)
        .add("acl", 8L << 20);
    ChapSecret initiatorSecret = new ChapSecret("tenant", "tenant-secret-12");
    ChapSecret targetSecret = new ChapSecret("target", "target-secret-34");
    IscsiTargetConfig config = IscsiTargetConfig.defaults().withAccess(name -> switch (name) {
      case "oneway" -> new TargetAccess(initiatorSecret, null, Set.of());
      case "mutual" -> new TargetAccess(initiatorSecret, targetSecret, Set.of());
      case "acl" -> new TargetAccess(null, null, Set.of(ALLOWED));
      default -> TargetAccess.OPEN;
    }, TargetAccess.OPEN);
    target = new IscsiTarget(config, catalog);
    port = target.start();
  }

  @AfterAll
  static void stop() {
    target.close();
  }

  private static String url(String credentials, String device) {
    return "iscsi://" + credentials + "127.0.0.1:" + port + "/"
        + IscsiTargetConfig.DEFAULT_PREFIX + device + "/0";
  }

  private static ExternalTool.Result inq(Map<String, String> env, String... args)
      throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("iscsi-inq"));
    cmd.addAll(List.of(args));
    return ExternalTool.run(T, env, cmd);
  }

  @Test
  void oneWayChapAdmitsTheRightSecretAndRefusesAWrongOne() throws Exception {
    ExternalTool.require("iscsi-inq", "qemu-img");
    inq(Map.of(), url("tenant%tenant-secret-12@", "oneway")).assertOk();
    ExternalTool.run(T, "qemu-img", "info", url("tenant%tenant-secret-12@", "oneway"))
        .assertOk();
    try (LogCapture logs = new LogCapture(LoginHandler.class)) {
      assertThat(inq(Map.of(), url("tenant%wrong-secret-99@", "oneway")).exitCode()).isNotZero();
      assertThat(inq(Map.of(), url("", "oneway")).exitCode()).isNotZero();
      assertThat(logs.messages()).anyMatch(m -> m.startsWith("WARN") && m.contains("0x0201"));
    }
  }

  @Test
  void mutualChapProvesTheTargetToo() throws Exception {
    ExternalTool.require("iscsi-inq", "iscsi-readcapacity16");
    Map<String, String> good = Map.of("LIBISCSI_CHAP_TARGET_USERNAME", "target",
        "LIBISCSI_CHAP_TARGET_PASSWORD", "target-secret-34");
    // qemu's iSCSI driver has no way to ask for mutual CHAP; libiscsi's tools do.
    inq(good, url("tenant%tenant-secret-12@", "mutual")).assertOk();
    ExternalTool.run(T, good, List.of("iscsi-readcapacity16",
        url("tenant%tenant-secret-12@", "mutual"))).assertOk();
    // Without asking for mutual CHAP the target refuses (it requires it).
    assertThat(inq(Map.of(), url("tenant%tenant-secret-12@", "mutual")).exitCode()).isNotZero();
    // An initiator expecting a different target secret refuses the target.
    Map<String, String> wrong = Map.of("LIBISCSI_CHAP_TARGET_USERNAME", "target",
        "LIBISCSI_CHAP_TARGET_PASSWORD", "not-the-target-00");
    assertThat(inq(wrong, url("tenant%tenant-secret-12@", "mutual")).exitCode()).isNotZero();
  }

  @Test
  void initiatorsOutsideTheAclAreRefusedAndLogged() throws Exception {
    ExternalTool.require("iscsi-inq", "iscsi-ls");
    inq(Map.of(), "-i", ALLOWED, url("", "acl")).assertOk();
    try (LogCapture logs = new LogCapture(LoginHandler.class)) {
      assertThat(inq(Map.of(), "-i", "iqn.2026-11.org.snipblock.test:stranger", url("", "acl"))
          .exitCode()).isNotZero();
      assertThat(logs.messages()).anyMatch(m -> m.startsWith("WARN") && m.contains("0x0202"));
    }
    // Discovery shows the ACL'd target only to initiators it admits.
    String stranger = ExternalTool.run(T, Map.of(), List.of("iscsi-ls", "-i",
        "iqn.2026-11.org.snipblock.test:stranger", "iscsi://127.0.0.1:" + port)).assertOk()
        .output();
    assertThat(stranger).doesNotContain(":acl ").contains(":oneway");
    String allowed = ExternalTool.run(T, Map.of(), List.of("iscsi-ls", "-i", ALLOWED,
        "iscsi://127.0.0.1:" + port)).assertOk().output();
    assertThat(allowed).contains(":acl");
  }
}
