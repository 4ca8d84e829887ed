package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.pdu.ConnectionCodecState;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.pdu.PduDecoder;
import org.snipblock.iscsi.pdu.PduEncoder;

/** Malformed PDUs at the codec level: a clean Reject or a clean drop, never a hang or a crash. */
class MalformedPduTest {
  private static final String TARGET = IscsiTargetConfig.DEFAULT_PREFIX + "disk";

  private IscsiChannelHarness harness() {
    return new IscsiChannelHarness(IscsiTargetConfig.defaults(),
        new MemoryCatalog().add("disk", 1 << 20));
  }

  @Test
  void encoderAndDecoderRoundTripWithDigestsAndPadding() {
    ConnectionCodecState state = new ConnectionCodecState();
    state.enterFullFeaturePhase(true, true, 65536);
    EmbeddedChannel enc = new EmbeddedChannel(new PduEncoder(state));
    EmbeddedChannel dec = new EmbeddedChannel(new PduDecoder(state));
    Pdu pdu = TestPdus.nopOut(7, 1, new byte[] {1, 2, 3, 4, 5});
    enc.writeOutbound(pdu);
    ByteBuf wire = enc.readOutbound();
    assertThat(wire.readableBytes()).isEqualTo(48 + 4 + 8 + 4);
    dec.writeInbound(wire);
    Pdu back = dec.readInbound();
    assertThat(back.opcode()).isEqualTo(Opcode.NOP_OUT);
    assertThat(back.initiatorTaskTag()).isEqualTo(7);
    assertThat(back.dataDigestFailed()).isFalse();
    assertThat(back.data()).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}));
    back.release();
  }

  @Test
  void truncatedHeaderIsNeverProcessedAndCloseIsClean() {
    IscsiChannelHarness h = harness();
    h.sendRaw(Unpooled.wrappedBuffer(new byte[20]));
    assertThat(h.drain()).isEmpty();
    assertThat(h.channel.isActive()).isTrue();
    h.channel.close();
    assertThat(h.channel.finish()).isFalse();
  }

  @Test
  void nonLoginPduBeforeLoginDropsTheConnection() {
    IscsiChannelHarness h = harness();
    h.send(TestPdus.nopOut(1, 0, new byte[0]));
    assertThat(h.channel.isActive()).isFalse();
  }

  @Test
  void oversizedLoginDataSegmentDropsTheConnectionWithoutWaitingForTheData() {
    IscsiChannelHarness h = harness();
    byte[] header = new byte[48];
    header[0] = 0x43;
    header[5] = (byte) 0xff; // DSL 16 MiB - 1: far beyond the 8192 bytes login allows
    header[6] = (byte) 0xff;
    header[7] = (byte) 0xff;
    h.sendRaw(Unpooled.wrappedBuffer(header));
    h.drain();
    assertThat(h.channel.isActive()).isFalse();
  }

  @Test
  void hugeDataSegmentInFullFeaturePhaseIsRejectedAndTheConnectionDropped() {
    IscsiChannelHarness h = harness();
    assertThat(h.loginNormal(TARGET).byteAt(36)).isZero();
    byte[] header = TestPdus.nopOut(5, 0, new byte[0]).bhs().clone();
    header[5] = (byte) 0xff;
    header[6] = (byte) 0xff;
    header[7] = (byte) 0xff;
    h.sendRaw(Unpooled.wrappedBuffer(header));
    List<Pdu> out = h.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).opcode()).isEqualTo(Opcode.REJECT);
    assertThat(out.get(0).byteAt(2)).isEqualTo(0x04);
    assertThat(h.channel.isActive()).isFalse();
  }

  @Test
  void unknownOpcodeIsRejectedAndTheSessionContinues() {
    IscsiChannelHarness h = harness();
    h.loginNormal(TARGET);
    Pdu bogus = Pdu.of(0x1e).initiatorTaskTag(9);
    List<Pdu> out = h.send(bogus);
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.REJECT);
    assertThat(out.get(0).byteAt(2)).isEqualTo(0x05);
    assertThat(out.get(0).data().remaining()).isEqualTo(48);
    out = h.send(TestPdus.nopOut(10, 0, "ping".getBytes()));
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.NOP_IN);
    assertThat(out.get(0).initiatorTaskTag()).isEqualTo(10);
    assertThat(h.channel.isActive()).isTrue();
  }

  @Test
  void headerDigestErrorDropsTheConnection() {
    IscsiChannelHarness h = harness();
    assertThat(TestPdus.keys(h.loginNormal(TARGET, "HeaderDigest=CRC32C,None")))
        .contains("HeaderDigest=CRC32C");
    h.clientDigests(true, false);
    ByteBuf wire = h.wire(TestPdus.nopOut(3, 0, new byte[0]));
    wire.setByte(48, wire.getByte(48) ^ 0x01); // corrupt the header digest
    h.sendRaw(wire);
    assertThat(h.drain()).isEmpty();
    assertThat(h.channel.isActive()).isFalse();
  }

  @Test
  void dataDigestErrorOnNopOutIsRejectedAndTheSessionContinues() {
    IscsiChannelHarness h = harness();
    assertThat(TestPdus.keys(h.loginNormal(TARGET, "HeaderDigest=CRC32C", "DataDigest=CRC32C")))
        .contains("DataDigest=CRC32C");
    h.clientDigests(true, true);
    ByteBuf wire = h.wire(TestPdus.nopOut(3, 0, new byte[] {1, 2, 3, 4}));
    wire.setByte(52, wire.getByte(52) ^ 0x10); // corrupt the data, not the header
    h.sendRaw(wire);
    List<Pdu> out = h.drain();
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.REJECT);
    assertThat(out.get(0).byteAt(2)).isEqualTo(0x02);
    assertThat(h.send(TestPdus.nopOut(4, 0, new byte[] {9}))).extracting(Pdu::opcode)
        .containsExactly(Opcode.NOP_IN);
  }

  @Test
  void dataDigestErrorOnDataOutEndsTheSession() {
    IscsiChannelHarness h = harness();
    h.loginNormal(TARGET, "HeaderDigest=CRC32C", "DataDigest=CRC32C", "InitialR2T=Yes");
    h.clientDigests(true, true);
    byte[] write10 = {0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    List<Pdu> out = h.send(TestPdus.scsi(1, 0, 0x80 | 0x20, 512, write10, new byte[0]));
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.R2T);
    int ttt = out.get(0).intAt(20);
    ByteBuf wire = h.wire(TestPdus.dataOut(1, ttt, 0, 0, true, new byte[512]));
    wire.setByte(60, wire.getByte(60) ^ 0x01);
    h.sendRaw(wire);
    out = h.drain();
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.REJECT);
    assertThat(h.channel.isActive()).isFalse();
  }

}
