package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.snipblock.block.LoggedErrors;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.block.SocketExchange;

/**
 * Coverage-guided fuzzing of everything an initiator's bytes reach, on a running target over real
 * sockets: {@link #loginPhase} gives the fuzzer the whole stream from connect (the PDU decoder,
 * login and its text keys, security and operational negotiation); {@link #afterLogin} logs in
 * first (a normal or a discovery session) and gives it the full-feature stream (SCSI commands and
 * their data, text requests such as SendTargets, task management, NOP, logout). The target must
 * answer or close, never hang, log no unexpected failure, and keep serving. Committed inputs in
 * IscsiWireFuzzTestInputs/ run in CI; the README's reliability section says how to fuzz.
 */
class IscsiWireFuzzTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static IscsiTarget target;
  private static int port;

  @BeforeAll
  static void start() throws InterruptedException {
    target = new IscsiTarget(IscsiTargetConfig.defaults(), new MemoryCatalog().add("disk", 1 << 20));
    port = target.start();
  }

  @AfterAll
  static void stop() {
    target.close();
  }

  @FuzzTest(maxDuration = "10s")
  void loginPhase(byte[] input) throws IOException {
    try (SilentCloseable ours = ourServerOnly(); LoggedErrors errors = new LoggedErrors()) {
      SocketExchange.sendAndDrain(port, input, TIMEOUT);
      assertThat(errors.all()).as("unexpected failures logged").isEmpty();
    }
  }

  /** The first byte picks the session: even a normal session to the disk, odd a discovery session. */
  @FuzzTest(maxDuration = "10s")
  void afterLogin(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    boolean discovery = (input[0] & 1) != 0;
    try (SilentCloseable ours = ourServerOnly(); LoggedErrors errors = new LoggedErrors();
        Socket s = SocketExchange.connect(port, TIMEOUT)) {
      s.getOutputStream().write(login(discovery));
      assertThat(finalLoginStatus(new DataInputStream(s.getInputStream()))).as("login status").isZero();
      SocketExchange.sendAndDrain(s, java.util.Arrays.copyOfRange(input, 1, input.length), TIMEOUT);
      assertThat(errors.all()).as("unexpected failures logged").isEmpty();
    }
  }

  /** One Login Request going straight to full feature (operational stage, transit), CmdSN 0. */
  private static byte[] login(boolean discovery) {
    String keys = "InitiatorName=iqn.2026-11.org.test:fuzz\0"
        + (discovery ? "SessionType=Discovery\0" : "SessionType=Normal\0TargetName="
            + IscsiTargetConfig.DEFAULT_PREFIX + "disk\0")
        + "HeaderDigest=None\0DataDigest=None\0MaxRecvDataSegmentLength=262144\0InitialR2T=No\0"
        + "ImmediateData=Yes\0MaxBurstLength=262144\0FirstBurstLength=65536\0";
    byte[] data = keys.getBytes(StandardCharsets.US_ASCII);
    int padded = (data.length + 3) & ~3;
    ByteBuffer pdu = ByteBuffer.allocate(48 + padded);
    pdu.put(0, (byte) 0x43).put(1, (byte) 0x87);
    pdu.putInt(4, data.length); // byte 4 (AHS length) stays 0: the length fits in bytes 5-7
    pdu.put(8, new byte[] {0x00, 0x02, 0x3d, 0x00, 0x00, 0x01});
    pdu.put(48, data);
    return pdu.array();
  }

  /** Reads Login Responses until the final one; returns its status (class and detail). */
  private static int finalLoginStatus(DataInputStream in) throws IOException {
    while (true) {
      byte[] bhs = new byte[48];
      in.readFully(bhs);
      int dsl = ((bhs[5] & 0xff) << 16) | ((bhs[6] & 0xff) << 8) | (bhs[7] & 0xff);
      in.readFully(new byte[(dsl + 3) & ~3]);
      int status = ((bhs[36] & 0xff) << 8) | (bhs[37] & 0xff);
      if ((bhs[1] & 0x80) != 0 || status != 0) {
        return status;
      }
    }
  }

  /** Connecting to the server under test is the point; Jazzer's SSRF detector would flag it. */
  private static SilentCloseable ourServerOnly() {
    return BugDetectors.allowNetworkConnections((host, port) -> host.equals("localhost") || host.equals("127.0.0.1"));
  }
}
