package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPromise;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.pdu.Opcode;
import org.snipblock.iscsi.pdu.Pdu;

/**
 * Commands that arrive in one socket read are answered with one flush (one system call at depth),
 * their responses in the order the commands completed, none lost or reordered by the batching; a
 * command that completes on the connection's loop is answered at once, within its read.
 */
class ResponseBatchingTest {
  private static final String TARGET = IscsiTargetConfig.DEFAULT_PREFIX + "disk";
  private static final int COMMANDS = 8;

  @Test
  void commandsOfOneReadAreAnsweredInOrderWithOneFlush() {
    IscsiChannelHarness h = loggedIn();
    List<String> events = record(h);
    h.sendRaw(writes(h));
    List<Pdu> out = h.drain();

    assertThat(out).extracting(Pdu::opcode).containsOnly(Opcode.SCSI_RESPONSE).hasSize(COMMANDS);
    assertThat(out).extracting(Pdu::initiatorTaskTag)
        .containsExactly(100, 101, 102, 103, 104, 105, 106, 107);
    assertThat(out).extracting(p -> p.byteAt(3)).containsOnly(0);
    assertThat(out).extracting(p -> p.intAt(24) - out.get(0).intAt(24)) // StatSN
        .containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(events).filteredOn(e -> e.startsWith("flush")).containsExactly("flush " + COMMANDS);
  }

  @Test
  void commandsCompletedOnTheLoopAreAnsweredWithinTheirRead() {
    // The RAM disk completes writes at once, on the loop, as the store does with small writes.
    IscsiChannelHarness h = loggedIn();
    List<String> events = record(h);
    h.sendRaw(writes(h));
    h.drain();

    List<String> expected = new ArrayList<>(Collections.nCopies(COMMANDS, "write"));
    expected.add("read complete");
    expected.add("flush " + COMMANDS);
    assertThat(events).isEqualTo(expected);
  }

  private static IscsiChannelHarness loggedIn() {
    IscsiChannelHarness h = new IscsiChannelHarness(IscsiTargetConfig.defaults(),
        new MemoryCatalog().add("disk", 1 << 20));
    assertThat(h.loginNormal(TARGET, "ImmediateData=Yes").shortAt(36)).isZero();
    // The power-on unit attention goes to a first command, outside the batch under test.
    Pdu tur = TestPdus.scsi(0x7fff, 0, 0x80, 0, new byte[6], new byte[0]);
    tur.bhs()[0] |= 0x40;
    assertThat(h.send(tur)).extracting(Pdu::opcode).containsExactly(Opcode.SCSI_RESPONSE);
    return h;
  }

  /**
   * Notes, at the socket's end of the pipeline, each PDU written, the end of each read and what
   * each flush takes to the socket ("flush N"; a flush with nothing written costs no system call).
   */
  private static List<String> record(IscsiChannelHarness h) {
    List<String> events = new ArrayList<>();
    h.channel.pipeline().addFirst(new ChannelDuplexHandler() {
      private int written;

      @Override
      public void channelReadComplete(ChannelHandlerContext ctx) {
        events.add("read complete");
        ctx.fireChannelReadComplete();
      }

      @Override
      public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        written++;
        events.add("write");
        ctx.write(msg, promise);
      }

      @Override
      public void flush(ChannelHandlerContext ctx) {
        if (written > 0) {
          events.add("flush " + written);
          written = 0;
        }
        ctx.flush();
      }
    });
    return events;
  }

  /** WRITE(10)s of blocks 0 to COMMANDS - 1 with their data, as one socket read. */
  private static ByteBuf writes(IscsiChannelHarness h) {
    CompositeByteBuf oneRead = Unpooled.compositeBuffer();
    for (int i = 0; i < COMMANDS; i++) {
      byte[] cdb = {0x2a, 0, 0, 0, 0, (byte) i, 0, 0, 1, 0};
      byte[] block = new byte[512];
      block[0] = (byte) i;
      oneRead.addComponent(true, h.wire(TestPdus.scsi(100 + i, i, 0x80 | 0x20, 512, cdb, block)));
    }
    return oneRead;
  }

}
