package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;

/** Login phase rules of RFC 7143 exercised PDU by PDU. */
class LoginNegotiationTest {
  private static final String TARGET = IscsiTargetConfig.DEFAULT_PREFIX + "disk";
  private static final int SECURITY_TO_OPERATIONAL = 0x80 | 0x01;
  private static final int OPERATIONAL_TO_FULL = 0x80 | (1 << 2) | 0x03;

  private static IscsiChannelHarness harness(IscsiTargetConfig config) {
    return new IscsiChannelHarness(config, new MemoryCatalog().add("disk", 1 << 20));
  }

  private static IscsiChannelHarness harness() {
    return harness(IscsiTargetConfig.defaults());
  }

  private static int status(Pdu response) {
    return response.shortAt(36);
  }

  @Test
  void negotiatesEveryOperationalKeyPerItsResultFunction() {
    IscsiChannelHarness h = harness();
    Pdu r = h.loginNormal(TARGET, "HeaderDigest=None,CRC32C", "DataDigest=CRC32C,None",
        "MaxRecvDataSegmentLength=65536", "MaxBurstLength=16776192", "FirstBurstLength=262144",
        "InitialR2T=No", "ImmediateData=Yes", "MaxOutstandingR2T=8", "DataPDUInOrder=Yes",
        "DataSequenceInOrder=Yes", "DefaultTime2Wait=0", "DefaultTime2Retain=60",
        "ErrorRecoveryLevel=2", "MaxConnections=4", "IFMarker=No", "X-com.example.Foo=1",
        "BogusKey=1");
    assertThat(status(r)).isZero();
    assertThat(r.flags() & 0x83).isEqualTo(0x83);
    assertThat(r.shortAt(14)).isNotZero(); // TSIH assigned
    assertThat(TestPdus.keys(r)).contains("HeaderDigest=None;", "DataDigest=CRC32C;",
        "MaxBurstLength=1048576;", "FirstBurstLength=65536;", "InitialR2T=No;",
        "ImmediateData=Yes;", "MaxOutstandingR2T=8;", "DataPDUInOrder=Yes;",
        "DataSequenceInOrder=Yes;", "DefaultTime2Wait=2;", "DefaultTime2Retain=20;",
        "ErrorRecoveryLevel=0;", "MaxConnections=1;", "IFMarker=No;",
        "X-com.example.Foo=NotUnderstood;", "BogusKey=NotUnderstood;",
        "MaxRecvDataSegmentLength=262144;");
    assertThat(TestPdus.keys(r)).doesNotContain("MaxRecvDataSegmentLength=65536");
  }

  @Test
  void badValuesAreAnsweredReject() {
    IscsiChannelHarness h = harness();
    Pdu r = h.loginNormal(TARGET, "MaxBurstLength=12", "InitialR2T=Maybe",
        "MaxOutstandingR2T=abc", "HeaderDigest=MD5");
    assertThat(status(r)).isZero();
    assertThat(TestPdus.keys(r)).contains("MaxBurstLength=Reject;", "InitialR2T=Reject;",
        "MaxOutstandingR2T=Reject;", "HeaderDigest=Reject;");
  }

  /** Found by IscsiWireFuzzTest: the refusal itself failed, so the initiator got a dropped connection. */
  @Test
  void aNormalSessionWithoutTargetNameIsRefusedAsMissingParameter() {
    IscsiChannelHarness h = harness();
    List<Pdu> r = h.send(TestPdus.login(0x80 | 0x01, 1, 0, "InitiatorName=iqn.x:y", "SessionType=Normal",
        "AuthMethod=None"));
    assertThat(r).hasSize(1);
    assertThat(status(r.get(0))).isEqualTo(0x0207);
    assertThat(h.channel.isActive()).isFalse();
  }

  @Test
  void aKeyNegotiatedTwiceFailsTheLogin() {
    IscsiChannelHarness h = harness();
    h.send(TestPdus.login(SECURITY_TO_OPERATIONAL, 1, 0, "InitiatorName=iqn.x:y",
        "TargetName=" + TARGET, "AuthMethod=None", "MaxBurstLength=4096"));
    List<Pdu> r = h.send(TestPdus.login(OPERATIONAL_TO_FULL, 1, 0, "MaxBurstLength=8192"));
    assertThat(status(r.get(0))).isEqualTo(0x0200);
    assertThat(h.channel.isActive()).isFalse();
  }

  @Test
  void discoverySessionAnswersIrrelevantForSessionKeysAndListsTargets() {
    IscsiChannelHarness h = harness();
    List<Pdu> r = h.send(TestPdus.login(0x80 | 0x03, 1, 0, "InitiatorName=iqn.x:y",
        "SessionType=Discovery", "AuthMethod=None", "MaxBurstLength=4096",
        "ImmediateData=Yes"));
    assertThat(r).hasSize(1);
    assertThat(TestPdus.keys(r.get(0))).contains("AuthMethod=None", "MaxBurstLength=Irrelevant",
        "ImmediateData=Irrelevant");
    assertThat(r.get(0).flags()).isEqualTo(0x83); // straight to full feature phase
    Pdu text = Pdu.of(Opcode.TEXT_REQUEST).flags(0x80).initiatorTaskTag(2).intAt(20, -1);
    text.bhs()[0] |= 0x40;
    text.data(java.nio.ByteBuffer.wrap(TestPdus.text("SendTargets=All")));
    r = h.send(text);
    assertThat(r).extracting(Pdu::opcode).containsExactly(Opcode.TEXT_RESPONSE);
    assertThat(TestPdus.keys(r.get(0))).isEqualTo(
        "TargetName=" + TARGET + ";TargetAddress=" + h.context.portal() + ",1;");
  }

  /** Port groups of a three-node cluster as the node with group 2 sees them: its own portal first. */
  private static final org.snipblock.iscsi.alua.PortGroups THREE_NODES = new org.snipblock.iscsi.alua.PortGroups() {
    @Override
    public int localTag() {
      return 2;
    }

    @Override
    public List<org.snipblock.iscsi.alua.Portal> portals(String device, String localPortal) {
      return List.of(new org.snipblock.iscsi.alua.Portal(localPortal, 2),
          new org.snipblock.iscsi.alua.Portal("10.0.0.3:3260", 3), new org.snipblock.iscsi.alua.Portal("10.0.0.1:3260", 1));
    }

    @Override
    public List<org.snipblock.iscsi.alua.PortGroup> groups(String device) {
      return List.of();
    }
  };

  @Test
  void sendTargetsListsEveryNodesPortalInTheOrderGivenAndLoginNamesTheOwnGroup() {
    IscsiChannelHarness h = harness(IscsiTargetConfig.defaults().withPortGroups(THREE_NODES));
    List<Pdu> r = h.send(TestPdus.login(0x80 | 0x03, 1, 0, "InitiatorName=iqn.x:y",
        "SessionType=Discovery", "AuthMethod=None"));
    Pdu text = Pdu.of(Opcode.TEXT_REQUEST).flags(0x80).initiatorTaskTag(2).intAt(20, -1);
    text.bhs()[0] |= 0x40;
    text.data(java.nio.ByteBuffer.wrap(TestPdus.text("SendTargets=All")));
    r = h.send(text);
    assertThat(TestPdus.keys(r.get(0))).isEqualTo("TargetName=" + TARGET + ";TargetAddress=" + h.context.portal()
        + ",2;TargetAddress=10.0.0.3:3260,3;TargetAddress=10.0.0.1:3260,1;");

    IscsiChannelHarness normal = harness(IscsiTargetConfig.defaults().withPortGroups(THREE_NODES));
    r = normal.send(TestPdus.login(SECURITY_TO_OPERATIONAL, 1, 0, "InitiatorName=iqn.x:y", "TargetName=" + TARGET,
        "AuthMethod=None"));
    assertThat(TestPdus.keys(r.get(0))).contains("TargetPortalGroupTag=2");
  }

  @Test
  void continuedLoginTextIsAcknowledgedThenAnswered() {
    IscsiChannelHarness h = harness();
    List<Pdu> r = h.send(TestPdus.login(0x40, 1, 0, "InitiatorName=iqn.x:y"));
    assertThat(r).hasSize(1);
    assertThat(r.get(0).data().remaining()).isZero();
    assertThat(status(r.get(0))).isZero();
    r = h.send(TestPdus.login(SECURITY_TO_OPERATIONAL, 1, 0, "TargetName=" + TARGET,
        "AuthMethod=None"));
    assertThat(status(r.get(0))).isZero();
    assertThat(TestPdus.keys(r.get(0))).contains("AuthMethod=None", "TargetPortalGroupTag=1");
    assertThat(r.get(0).flags()).isEqualTo(0x81);
  }

  @Test
  void refusalsCarryTheRightStatus() {
    IscsiChannelHarness h = harness();
    assertThat(status(h.send(TestPdus.login(SECURITY_TO_OPERATIONAL, 1, 0,
        "TargetName=" + TARGET, "AuthMethod=None")).get(0))).isEqualTo(0x0207);
    h = harness();
    assertThat(status(h.send(TestPdus.login(SECURITY_TO_OPERATIONAL, 1, 0,
        "InitiatorName=iqn.x:y", "TargetName=iqn.2026-11.org.snipblock:nope",
        "AuthMethod=None")).get(0))).isEqualTo(0x0203);
    h = harness();
    Pdu badVersion = TestPdus.login(SECURITY_TO_OPERATIONAL, 1, 0, "InitiatorName=iqn.x:y",
        "TargetName=" + TARGET);
    badVersion.byteAt(3, 1);
    assertThat(status(h.send(badVersion).get(0))).isEqualTo(0x0205);
    h = harness();
    Pdu badStage = TestPdus.login(0x80 | (1 << 2), 1, 0, "InitiatorName=iqn.x:y",
        "TargetName=" + TARGET); // T=1 with NSG=0 < CSG=1
    assertThat(status(h.send(badStage).get(0))).isEqualTo(0x0200);
    assertThat(h.channel.isActive()).isFalse();
  }

  @Test
  void aclAndChapRefusals() {
    IscsiTargetConfig config = IscsiTargetConfig.defaults().withAccess(
        name -> new TargetAccess(new ChapSecret("user", "secretsecret"), null,
            Set.of("iqn.x:allowed")), TargetAccess.OPEN);
    IscsiChannelHarness h = harness(config);
    assertThat(status(h.send(TestPdus.login(0, 1, 0, "InitiatorName=iqn.x:other",
        "TargetName=" + TARGET, "AuthMethod=CHAP")).get(0))).isEqualTo(0x0202);

    h = harness(config);
    assertThat(status(h.send(TestPdus.login(0, 1, 0, "InitiatorName=iqn.x:allowed",
        "TargetName=" + TARGET, "AuthMethod=None")).get(0))).isEqualTo(0x0201);

    h = harness(config); // skipping the security stage is no way around CHAP
    assertThat(status(h.send(TestPdus.login(OPERATIONAL_TO_FULL, 1, 0,
        "InitiatorName=iqn.x:allowed", "TargetName=" + TARGET)).get(0))).isEqualTo(0x0201);

    h = harness(config);
    List<Pdu> r = h.send(TestPdus.login(0, 1, 0, "InitiatorName=iqn.x:allowed",
        "TargetName=" + TARGET, "AuthMethod=CHAP,None"));
    assertThat(TestPdus.keys(r.get(0))).contains("AuthMethod=CHAP");
    r = h.send(TestPdus.login(0, 1, 0, "CHAP_A=5"));
    assertThat(TestPdus.keys(r.get(0))).contains("CHAP_A=5", "CHAP_I=", "CHAP_C=0x");
    r = h.send(TestPdus.login(SECURITY_TO_OPERATIONAL, 1, 0, "CHAP_N=user",
        "CHAP_R=0x00112233445566778899aabbccddeeff"));
    assertThat(status(r.get(0))).isEqualTo(0x0201);
    assertThat(h.channel.isActive()).isFalse();
  }

  @Test
  void aSecondLoginWithTheSameIsidReinstatesTheSession() {
    MemoryCatalog catalog = new MemoryCatalog().add("disk", 1 << 20);
    IscsiChannelHarness first = new IscsiChannelHarness(IscsiTargetConfig.defaults(), catalog);
    first.loginNormal(TARGET);
    assertThat(first.context.sessions().all()).hasSize(1);
    // A second connection into the same target context, same initiator name and ISID.
    IscsiChannelHarness second = first.sibling();
    second.loginNormal(TARGET);
    first.channel.runPendingTasks();
    assertThat(first.channel.isActive()).isFalse();
    assertThat(second.channel.isActive()).isTrue();
    assertThat(first.context.sessions().all()).hasSize(1);
  }

  @Test
  void commandsOutsideTheWindowAreIgnored() {
    IscsiChannelHarness h = harness();
    h.loginNormal(TARGET);
    Pdu tur = TestPdus.scsi(5, 1000, 0x80, 0, new byte[6], new byte[0]);
    assertThat(h.send(tur)).isEmpty();
    List<Pdu> r = h.send(TestPdus.scsi(6, 0, 0x80, 0, new byte[6], new byte[0]));
    assertThat(r).extracting(Pdu::opcode).containsExactly(Opcode.SCSI_RESPONSE);
    assertThat(r.get(0).intAt(28)).isEqualTo(1); // ExpCmdSN advanced past the TUR
    assertThat(r.get(0).intAt(32) - r.get(0).intAt(28)).isEqualTo(127);
  }

  @Test
  void mutualChapWithSha256() throws Exception {
    IscsiTargetConfig config = IscsiTargetConfig.defaults().withAccess(
        name -> new TargetAccess(new ChapSecret("user", "initiator-secret"),
            new ChapSecret("tgt", "target-secret"), Set.of()), TargetAccess.OPEN);
    IscsiChannelHarness h = harness(config);
    h.send(TestPdus.login(0, 1, 0, "InitiatorName=iqn.x:y", "TargetName=" + TARGET,
        "AuthMethod=CHAP"));
    List<Pdu> r = h.send(TestPdus.login(0, 1, 0, "CHAP_A=99,7,5"));
    java.util.Map<String, String> offer = new java.util.HashMap<>();
    for (String kv : TestPdus.keys(r.get(0)).split(";")) {
      offer.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    assertThat(offer.get("CHAP_A")).isEqualTo("7");
    byte[] challenge = java.util.HexFormat.of().parseHex(offer.get("CHAP_C").substring(2));
    byte[] response = sha256(Integer.parseInt(offer.get("CHAP_I")), "initiator-secret",
        challenge);
    byte[] ours = new byte[16];
    java.util.Arrays.fill(ours, (byte) 0x5a);
    r = h.send(TestPdus.login(SECURITY_TO_OPERATIONAL, 1, 0, "CHAP_N=user",
        "CHAP_R=0x" + java.util.HexFormat.of().formatHex(response), "CHAP_I=9",
        "CHAP_C=0x" + java.util.HexFormat.of().formatHex(ours)));
    assertThat(status(r.get(0))).isZero();
    assertThat(r.get(0).flags()).isEqualTo(0x81);
    assertThat(TestPdus.keys(r.get(0))).contains("CHAP_N=tgt;", "CHAP_R=0x"
        + java.util.HexFormat.of().formatHex(sha256(9, "target-secret", ours)) + ";");
  }

  private static byte[] sha256(int id, String secret, byte[] challenge) throws Exception {
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    md.update((byte) id);
    md.update(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    md.update(challenge);
    return md.digest();
  }
}
