package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;

/** Full feature phase behaviour PDU by PDU, over the real SBC logical unit and a RAM disk. */
class FullFeaturePhaseTest {
  private static final String TARGET = IscsiTargetConfig.DEFAULT_PREFIX + "disk";

  private static IscsiChannelHarness loggedIn(IscsiTargetConfig config, String... keys) {
    IscsiChannelHarness h = new IscsiChannelHarness(config, new MemoryCatalog().add("disk", 1 << 20));
    assertThat(h.loginNormal(TARGET, keys).shortAt(36)).isZero();
    // The first command of a new nexus reports the power-on unit attention; take it here, as
    // an immediate TEST UNIT READY so that CmdSN numbering in the tests starts at 0.
    Pdu tur = TestPdus.scsi(0x7fff, 0, 0x80, 0, new byte[6], new byte[0]);
    tur.bhs()[0] |= 0x40;
    assertThat(h.send(tur)).extracting(Pdu::opcode).containsExactly(Opcode.SCSI_RESPONSE);
    return h;
  }

  private static byte[] rw10(int opcode, int lba, int blocks) {
    return new byte[] {(byte) opcode, 0, (byte) (lba >>> 24), (byte) (lba >>> 16),
        (byte) (lba >>> 8), (byte) lba, 0, (byte) (blocks >>> 8), (byte) blocks, 0};
  }

  private static byte[] pattern(int length, int seed) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  private static byte[] slice(byte[] b, int from, int length) {
    byte[] s = new byte[length];
    System.arraycopy(b, from, s, 0, length);
    return s;
  }

  @Test
  void writeWithImmediateUnsolicitedAndSolicitedDataThenReadInBursts() {
    IscsiChannelHarness h = loggedIn(IscsiTargetConfig.defaults(), "InitialR2T=No",
        "ImmediateData=Yes", "FirstBurstLength=1024", "MaxBurstLength=1024",
        "MaxOutstandingR2T=2", "MaxRecvDataSegmentLength=512");
    byte[] data = pattern(4096, 3);
    // WRITE(10) of 8 blocks: 512 immediate, 512 unsolicited, 3 KiB in R2T bursts of 1 KiB.
    List<Pdu> out = h.send(TestPdus.scsi(1, 0, 0x20, 4096, rw10(0x2a, 16, 8),
        slice(data, 0, 512)));
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.R2T, Opcode.R2T);
    assertThat(out).extracting(p -> p.intAt(36)).containsExactly(0, 1); // R2TSN
    assertThat(out).extracting(p -> p.intAt(40)).containsExactly(1024, 2048); // BufferOffset
    assertThat(out).extracting(p -> p.intAt(44)).containsExactly(1024, 1024);
    int ttt0 = out.get(0).intAt(20);
    int ttt1 = out.get(1).intAt(20);
    assertThat(h.send(TestPdus.dataOut(1, -1, 0, 512, true, slice(data, 512, 512)))).isEmpty();
    assertThat(h.send(TestPdus.dataOut(1, ttt0, 0, 1024, false, slice(data, 1024, 512))))
        .isEmpty();
    out = h.send(TestPdus.dataOut(1, ttt0, 1, 1536, true, slice(data, 1536, 512)));
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.R2T);
    assertThat(out.get(0).intAt(36)).isEqualTo(2);
    assertThat(out.get(0).intAt(40)).isEqualTo(3072);
    int ttt2 = out.get(0).intAt(20);
    h.send(TestPdus.dataOut(1, ttt1, 0, 2048, false, slice(data, 2048, 512)));
    h.send(TestPdus.dataOut(1, ttt1, 1, 2560, true, slice(data, 2560, 512)));
    h.send(TestPdus.dataOut(1, ttt2, 0, 3072, false, slice(data, 3072, 512)));
    out = h.send(TestPdus.dataOut(1, ttt2, 1, 3584, true, slice(data, 3584, 512)));
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.SCSI_RESPONSE);
    assertThat(out.get(0).byteAt(3)).isZero();

    out = h.send(TestPdus.scsi(2, 1, 0x80 | 0x40, 4096, rw10(0x28, 16, 8), new byte[0]));
    assertThat(out).hasSize(8).allMatch(p -> p.opcode() == Opcode.DATA_IN);
    ByteBuffer back = ByteBuffer.allocate(4096);
    for (int i = 0; i < 8; i++) {
      Pdu p = out.get(i);
      assertThat(p.intAt(36)).isEqualTo(i); // DataSN
      assertThat(p.intAt(40)).isEqualTo(i * 512); // BufferOffset
      assertThat(p.flags() & 0x80).isEqualTo(i % 2 == 1 ? 0x80 : 0); // F per 1 KiB burst
      back.put(p.data());
    }
    assertThat(out.get(7).flags() & 0x01).isEqualTo(0x01); // status collapsed into Data-In
    assertThat(out.get(7).byteAt(3)).isZero();
    assertThat(back.array()).isEqualTo(data);
  }

  @Test
  void readResidualsAreReported() {
    IscsiChannelHarness h = loggedIn(IscsiTargetConfig.defaults());
    List<Pdu> out = h.send(TestPdus.scsi(1, 0, 0x80 | 0x40, 1024, rw10(0x28, 0, 1),
        new byte[0]));
    Pdu last = out.get(out.size() - 1);
    assertThat(last.flags() & 0x07).isEqualTo(0x03); // S + underflow
    assertThat(last.intAt(44)).isEqualTo(512);

    out = h.send(TestPdus.scsi(2, 1, 0x80 | 0x40, 512, rw10(0x28, 0, 2), new byte[0]));
    last = out.get(out.size() - 1);
    assertThat(out.stream().mapToInt(p -> p.data().remaining()).sum()).isEqualTo(512);
    assertThat(last.flags() & 0x07).isEqualTo(0x05); // S + overflow
    assertThat(last.intAt(44)).isEqualTo(512);
  }

  @Test
  void checkConditionGoesInAScsiResponseWithSense() {
    IscsiChannelHarness h = loggedIn(IscsiTargetConfig.defaults());
    // READ(10) beyond the end of a 1 MiB disk.
    List<Pdu> out = h.send(TestPdus.scsi(1, 0, 0x80 | 0x40, 512, rw10(0x28, 4096, 1),
        new byte[0]));
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.SCSI_RESPONSE);
    assertThat(out.get(0).byteAt(3)).isEqualTo(0x02);
    ByteBuffer sense = out.get(0).data();
    assertThat(sense.getShort(0)).isGreaterThan((short) 0);
  }

  @Test
  void abortTaskStopsAWriteWaitingForItsData() {
    IscsiChannelHarness h = loggedIn(IscsiTargetConfig.defaults(), "InitialR2T=Yes");
    List<Pdu> out = h.send(TestPdus.scsi(7, 0, 0x80 | 0x20, 1024, rw10(0x2a, 0, 2),
        new byte[0]));
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.R2T);
    int ttt = out.get(0).intAt(20);
    Pdu abort = Pdu.of(Opcode.TASK_MGMT_REQUEST).flags(0x80 | 1).initiatorTaskTag(8);
    abort.bhs()[0] |= 0x40;
    abort.intAt(20, 7).intAt(24, 1).intAt(32, 0);
    out = h.send(abort);
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.TASK_MGMT_RESPONSE);
    assertThat(out.get(0).byteAt(2)).isZero();
    // Late data for the aborted task is discarded; no response ever comes for it.
    assertThat(h.send(TestPdus.dataOut(7, ttt, 0, 0, true, new byte[1024]))).isEmpty();
    out = h.send(TestPdus.scsi(9, 1, 0x80, 0, new byte[6], new byte[0]));
    assertThat(out).extracting(Pdu::initiatorTaskTag).containsExactly(9);
    // Aborting a task that was already answered: it does not exist any more.
    abort = Pdu.of(Opcode.TASK_MGMT_REQUEST).flags(0x80 | 1).initiatorTaskTag(10);
    abort.bhs()[0] |= 0x40;
    abort.intAt(20, 9).intAt(24, 2).intAt(32, 1);
    assertThat(h.send(abort).get(0).byteAt(2)).isEqualTo(1);
  }

  @Test
  void taskManagementFunctionsAnswerPerRfc() {
    IscsiChannelHarness h = loggedIn(IscsiTargetConfig.defaults());
    int[][] cases = {{5, 0}, {2, 0}, {4, 0}, {6, 0}, {8, 4}, {14, 5}};
    int itt = 20;
    for (int[] c : cases) {
      Pdu tmf = Pdu.of(Opcode.TASK_MGMT_REQUEST).flags(0x80 | c[0]).initiatorTaskTag(itt++);
      tmf.bhs()[0] |= 0x40;
      tmf.intAt(20, -1).intAt(24, 0);
      List<Pdu> out = h.send(tmf);
      assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.TASK_MGMT_RESPONSE);
      assertThat(out.get(0).byteAt(2)).as("function %d", c[0]).isEqualTo(c[1]);
    }
    Pdu cold = Pdu.of(Opcode.TASK_MGMT_REQUEST).flags(0x80 | 7).initiatorTaskTag(itt);
    cold.bhs()[0] |= 0x40;
    cold.intAt(20, -1);
    assertThat(h.send(cold).get(0).byteAt(2)).isZero();
    assertThat(h.channel.isActive()).isFalse(); // cold reset drops the connection
  }

  @Test
  void logoutAnswersAndCloses() {
    IscsiChannelHarness h = loggedIn(IscsiTargetConfig.defaults());
    Pdu logout = Pdu.of(Opcode.LOGOUT_REQUEST).flags(0x80).initiatorTaskTag(3);
    logout.bhs()[0] |= 0x40;
    logout.intAt(24, 0);
    List<Pdu> out = h.send(logout);
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.LOGOUT_RESPONSE);
    assertThat(out.get(0).byteAt(2)).isZero();
    assertThat(h.channel.isActive()).isFalse();
    assertThat(h.context.sessions().all()).isEmpty();
  }

  /** A target whose logical units note, in {@code events}, each nexus reported lost. */
  private static IscsiTargetConfig recordingNexusLoss(List<String> events) {
    return IscsiTargetConfig.defaults(device ->
        new ForwardingUnit(new org.snipblock.iscsi.scsi.BlockLogicalUnit(device)) {
          @Override
          public java.util.concurrent.CompletableFuture<Void> nexusLost(org.snipblock.iscsi.scsi.ItNexus nexus) {
            events.add("nexus lost");
            return super.nexusLost(nexus);
          }
        });
  }

  /** Notes in {@code events} each PDU the target writes on this connection. */
  private static void recordWrites(IscsiChannelHarness h, List<String> events) {
    h.channel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
      @Override
      public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg,
          io.netty.channel.ChannelPromise promise) {
        events.add("response written");
        ctx.write(msg, promise);
      }
    });
  }

  @Test
  void logoutReportsTheNexusLostBeforeTheResponseIsWritten() {
    // The initiator may use its other session the moment it reads the Logout Response, so an
    // SPC-2 reservation of this nexus must already be gone by then.
    List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    IscsiChannelHarness h = loggedIn(recordingNexusLoss(events));
    recordWrites(h, events);
    Pdu logout = Pdu.of(Opcode.LOGOUT_REQUEST).flags(0x80).initiatorTaskTag(3);
    logout.bhs()[0] |= 0x40;
    logout.intAt(24, 0);
    assertThat(h.send(logout)).extracting(Pdu::opcode).containsExactly(Opcode.LOGOUT_RESPONSE);
    assertThat(events).startsWith("nexus lost", "response written")
        .containsOnlyOnce("nexus lost");
  }

  @Test
  void reinstatementReportsTheOldNexusLostBeforeTheFinalLoginResponse() {
    List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    IscsiChannelHarness first = loggedIn(recordingNexusLoss(events));
    IscsiChannelHarness second = first.sibling();
    recordWrites(second, events);
    // Same initiator, ISID and target: the new login reinstates the session.
    assertThat(second.loginNormal(TARGET).shortAt(36)).isZero();
    assertThat(events).containsExactly("response written", "nexus lost", "response written");
    assertThat(first.channel.isActive()).isFalse();
  }


  @Test
  void receivedDataIsCopiedOnceAndReleasedEvenAfterWaitingForItsTurn() {
    IscsiChannelHarness h = loggedIn(IscsiTargetConfig.defaults(), "ImmediateData=Yes");
    byte[] data = pattern(512, 7);
    // CmdSN 1 before 0: the WRITE waits in the command window, holding its immediate data.
    ByteBuf write = h.wire(TestPdus.scsi(1, 1, 0x80 | 0x20, 512, rw10(0x2a, 0, 1), data));
    h.sendRaw(write.retain());
    assertThat(h.drain()).isEmpty();
    assertThat(write.refCnt()).isGreaterThan(1);
    Pdu nop = TestPdus.nopOut(2, 0, new byte[] {1, 2, 3});
    nop.bhs()[0] &= ~0x40; // not immediate: it takes CmdSN 0 and fills the gap
    ByteBuf ping = h.wire(nop);
    h.sendRaw(ping.retain());
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.NOP_IN, Opcode.SCSI_RESPONSE);
    assertThat(out.get(0).data()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    assertThat(out.get(1).byteAt(3)).isZero();
    assertThat(write.refCnt()).isEqualTo(1);
    assertThat(ping.refCnt()).isEqualTo(1);
    write.release();
    ping.release();
    out = h.send(TestPdus.scsi(3, 2, 0x80 | 0x40, 512, rw10(0x28, 0, 1), new byte[0]));
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.DATA_IN);
    assertThat(out.get(0).data()).isEqualTo(ByteBuffer.wrap(data));
  }

  @Test
  void silentInitiatorIsPingedThenDropped() {
    IscsiTargetConfig config = IscsiTargetConfig.defaults()
        .withNop(Duration.ofSeconds(1), Duration.ofSeconds(2));
    IscsiChannelHarness h = new IscsiChannelHarness(config, new MemoryCatalog().add("disk", 1 << 20));
    h.channel.freezeTime();
    h.loginNormal(TARGET);
    h.channel.advanceTimeBy(1100, TimeUnit.MILLISECONDS);
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.NOP_IN);
    Pdu ping = out.get(0);
    assertThat(ping.initiatorTaskTag()).isEqualTo(Pdu.RESERVED_TAG);
    assertThat(ping.intAt(20)).isNotEqualTo(Pdu.RESERVED_TAG);
    // Answer: the initiator is alive.
    Pdu answer = TestPdus.nopOut(Pdu.RESERVED_TAG, 0, new byte[0]);
    answer.intAt(20, ping.intAt(20));
    h.send(answer);
    assertThat(h.channel.isActive()).isTrue();
    // Now go silent for longer than interval + timeout.
    for (int i = 0; i < 5 && h.channel.isActive(); i++) {
      h.channel.advanceTimeBy(1000, TimeUnit.MILLISECONDS);
      h.drain();
    }
    assertThat(h.channel.isActive()).isFalse();
  }

  @Test
  void longSendTargetsAnswerIsContinued() {
    MemoryCatalog catalog = new MemoryCatalog();
    for (int i = 0; i < 40; i++) {
      catalog.add(String.format("volume-with-a-long-name-%02d", i), 1 << 20);
    }
    IscsiChannelHarness h = new IscsiChannelHarness(IscsiTargetConfig.defaults(), catalog);
    h.send(TestPdus.login(0x80 | 0x03, 1, 0, "InitiatorName=iqn.x:y", "SessionType=Discovery",
        "AuthMethod=None", "MaxRecvDataSegmentLength=512"));
    List<String> chunks = new ArrayList<>();
    Pdu text = Pdu.of(Opcode.TEXT_REQUEST).flags(0x80).initiatorTaskTag(2).intAt(20, -1);
    text.data(ByteBuffer.wrap(TestPdus.text("SendTargets=All")));
    for (int i = 0; i < 100; i++) {
      List<Pdu> out = h.send(text);
      assertThat(out).hasSize(1);
      Pdu r = out.get(0);
      assertThat(r.data().remaining()).isLessThanOrEqualTo(512);
      chunks.add(TestPdus.keys(r));
      if ((r.flags() & 0x80) != 0) {
        break;
      }
      assertThat(r.flags() & 0x40).isEqualTo(0x40);
      text = Pdu.of(Opcode.TEXT_REQUEST).flags(0x80).initiatorTaskTag(2).intAt(20, r.intAt(20))
          .intAt(24, i + 1);
    }
    String all = String.join("", chunks);
    assertThat(chunks.size()).isGreaterThan(1);
    for (int i = 0; i < 40; i++) {
      assertThat(all).contains(String.format("TargetName=iqn.2026-11.org.snipblock:"
          + "volume-with-a-long-name-%02d;", i));
    }
  }
}
