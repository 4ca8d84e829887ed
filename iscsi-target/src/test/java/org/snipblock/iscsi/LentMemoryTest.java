package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.ForwardingBlockDevice;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;

/**
 * The memory a connection lends its tasks from its (pooled, off-heap) allocator: a write's Data-Out
 * and a read's Data-In, which is sent from there without a copy. Each buffer goes back exactly once
 * however the task ends: answered, aborted while the device works, or cut off by the connection's
 * end.
 */
class LentMemoryTest {
  private static final String TARGET = IscsiTargetConfig.DEFAULT_PREFIX + "disk";
  private static final int LENGTH = 4096;

  /** Reads wait for {@link #gate} (when closed), as a read from a slow disk does. */
  private static final class GatedReads extends ForwardingBlockDevice {
    CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

    GatedReads(BlockDevice device) {
      super(device);
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
      CompletableFuture<Void> waitFor = gate;
      return waitFor.thenCompose(v -> super.read(offset, dst));
    }
  }

  private final GatedReads device = new GatedReads(new MemoryBlockDevice("disk", 1 << 20, 512, false));
  private final TrackingAllocator alloc = new TrackingAllocator();

  /** Logged in with immediate data, Data-In PDUs of 512 bytes, every buffer from {@link #alloc}. */
  private IscsiChannelHarness loggedIn() {
    IscsiChannelHarness h = new IscsiChannelHarness(IscsiTargetConfig.defaults(), new MemoryCatalog().add(device));
    h.channel.config().setAllocator(alloc);
    assertThat(h.loginNormal(TARGET, "InitialR2T=No", "ImmediateData=Yes", "FirstBurstLength=65536",
        "MaxRecvDataSegmentLength=512").shortAt(36)).isZero();
    // The power-on unit attention, taken by an immediate TEST UNIT READY (CmdSN stays 0).
    Pdu tur = TestPdus.scsi(0x7fff, 0, 0x80, 0, new byte[6], new byte[0]);
    tur.bhs()[0] |= 0x40;
    assertThat(h.send(tur)).extracting(Pdu::opcode).containsExactly(Opcode.SCSI_RESPONSE);
    return h;
  }

  private static byte[] rw10(int opcode, int blocks) {
    return new byte[] {(byte) opcode, 0, 0, 0, 0, 8, 0, (byte) (blocks >>> 8), (byte) blocks, 0};
  }

  private static Pdu read(int itt, int cmdSn) {
    return TestPdus.scsi(itt, cmdSn, 0x80 | 0x40, LENGTH, rw10(0x28, LENGTH / 512), new byte[0]);
  }

  /** An immediate ABORT TASK of task {@code victim}, sent with CmdSN {@code cmdSn}. */
  private static Pdu abortTask(int itt, int cmdSn, int victim, int victimCmdSn) {
    Pdu abort = Pdu.of(Opcode.TASK_MGMT_REQUEST).flags(0x80 | 1).initiatorTaskTag(itt);
    abort.bhs()[0] |= 0x40;
    return abort.intAt(20, victim).intAt(24, cmdSn).intAt(32, victimCmdSn);
  }

  @Test
  void aWriteIsGatheredAndAReadSentInLentMemoryThatGoesBackOnceSent() {
    IscsiChannelHarness h = loggedIn();
    byte[] data = new byte[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    List<Pdu> out = h.send(TestPdus.scsi(1, 0, 0x80 | 0x20, LENGTH, rw10(0x2a, LENGTH / 512), data));
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.SCSI_RESPONSE);
    assertThat(alloc.direct(LENGTH)).as("the write's Data-Out").hasSize(1);

    out = h.send(read(2, 1));
    assertThat(out).hasSize(LENGTH / 512).allMatch(p -> p.opcode() == Opcode.DATA_IN);
    ByteBuffer back = ByteBuffer.allocate(LENGTH);
    out.forEach(p -> back.put(p.data()));
    assertThat(back.array()).isEqualTo(data);
    assertThat(alloc.direct(LENGTH)).as("the Data-Out, then the read's Data-In").hasSize(2);
    assertThat(alloc.direct(LENGTH)).allMatch(b -> b.refCnt() == 0);

    h.channel.close();
    h.drain();
    assertThat(alloc.held()).as("buffers never given back").isEmpty();
  }

  @Test
  void aReadAbortedWhileTheDeviceWorksSendsNothingAndGivesItsMemoryBack() {
    IscsiChannelHarness h = loggedIn();
    device.gate = new CompletableFuture<>();
    assertThat(h.send(read(1, 0))).isEmpty();
    List<Pdu> out = h.send(abortTask(2, 1, 1, 0));
    assertThat(out).as("ABORT TASK waits for the executing read").isEmpty();
    List<ByteBuf> lent = alloc.direct(LENGTH);
    assertThat(lent).as("the read's Data-In, lent while the device works").hasSize(1);
    assertThat(lent.get(0).refCnt()).isEqualTo(1);

    device.gate.complete(null);
    out = h.drain();
    assertThat(out).extracting(Pdu::opcode).containsExactly(Opcode.TASK_MGMT_RESPONSE);
    assertThat(lent.get(0).refCnt()).isZero();
    assertThat(h.send(read(3, 1))).hasSize(LENGTH / 512);
    assertThat(alloc.direct(LENGTH)).hasSize(2).allMatch(b -> b.refCnt() == 0);
  }

  @Test
  void theConnectionsEndGivesBackTheMemoryOfAReadInFlightAndOfAWriteWaitingForData() {
    IscsiChannelHarness h = loggedIn();
    device.gate = new CompletableFuture<>();
    assertThat(h.send(read(1, 0))).isEmpty();
    // A write of twice the first burst: the rest waits for an R2T answer that never comes.
    byte[] cdb = rw10(0x2a, 2 * 65536 / 512);
    List<Pdu> out = h.send(TestPdus.scsi(2, 1, 0x80 | 0x20, 2 * 65536, cdb, new byte[512]));
    assertThat(out).extracting(Pdu::opcode).contains(Opcode.R2T);
    assertThat(alloc.direct(LENGTH)).hasSize(1);
    assertThat(alloc.direct(2 * 65536)).hasSize(1);

    h.channel.close();
    h.drain();
    assertThat(alloc.direct(2 * 65536)).as("the waiting write's Data-Out").allMatch(b -> b.refCnt() == 0);
    assertThat(alloc.direct(LENGTH).get(0).refCnt()).as("the read's, while the device works").isEqualTo(1);
    device.gate.complete(null);
    assertThat(h.drain()).isEmpty();
    assertThat(alloc.held()).as("buffers never given back").isEmpty();
  }
}
