package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.nbd.protocol.Nbd;
import org.snipblock.nbd.protocol.NbdErrno;

/**
 * Misbehaving clients over real sockets: each is answered or cut off, nothing is written, and the
 * server and the other connections carry on.
 */
class MalformedClientIT {
  private static final long SIZE = 4L << 20;

  @Test
  void badClientsDoNotDisturbGoodOnes() throws Exception {
    MemoryBlockDevice vol = new MemoryBlockDevice("vol", SIZE, 512, false);
    try (RunningServer server = new RunningServer(new MemoryCatalog().add(vol));
        RawClient good = new RawClient(server.port).enter("vol")) {
      byte[] data = new byte[4096];
      Arrays.fill(data, (byte) 0x3c);
      good.send(WireWriter.write(0, 1, 0, data));
      assertThat(good.simpleReply()).containsExactly(0, 1);

      // Oldstyle/non-fixed client flags: refused.
      try (RawClient old = new RawClient(server.port)) {
        old.send(WireWriter.clientFlags(0));
        assertThat(old.closedByServer()).isTrue();
      }
      // Garbage instead of an option.
      try (RawClient junk = new RawClient(server.port)) {
        junk.send(WireWriter.clientFlags(Nbd.FLAG_C_FIXED_NEWSTYLE));
        junk.send(io.netty.buffer.Unpooled.wrappedBuffer(new byte[64]));
        assertThat(junk.closedByServer()).isTrue();
      }
      // A request with bad magic carrying write data: cut off, nothing written.
      try (RawClient bad = new RawClient(server.port).enter("vol")) {
        ByteBuf w = WireWriter.write(0, 2, 8192, data);
        w.setInt(0, 0x12345678);
        bad.send(w);
        assertThat(bad.closedByServer()).isTrue();
      }
      // A write claiming 4 GiB - 1: the header is answered only after the payload, so the client
      // that hangs up mid-payload leaves nothing behind.
      try (RawClient huge = new RawClient(server.port).enter("vol")) {
        huge.send(WireWriter.request(0, Nbd.CMD_WRITE, 3, 0, 0xffffffffL));
        huge.send(io.netty.buffer.Unpooled.wrappedBuffer(new byte[1 << 20]));
      }
      // An oversize read is refused and the connection goes on.
      try (RawClient big = new RawClient(server.port).enter("vol")) {
        big.send(WireWriter.request(0, Nbd.CMD_READ, 4, 0, 64L << 20));
        assertThat(big.simpleReply()).containsExactly(NbdErrno.EOVERFLOW, 4);
        big.send(WireWriter.request(0, Nbd.CMD_READ, 5, 0, 4096));
        assertThat(big.simpleReply()).containsExactly(0, 5);
        assertThat(big.readFully(4096)).isEqualTo(data);
      }

      // The good connection is unaffected, and only its write landed.
      good.send(WireWriter.request(0, Nbd.CMD_READ, 6, 0, 4096));
      assertThat(good.simpleReply()).containsExactly(0, 6);
      assertThat(good.readFully(4096)).isEqualTo(data);
      assertThat(vol.allocation(0, SIZE).join()).hasSize(2);
      ByteBuffer untouched = ByteBuffer.allocate(4096);
      vol.read(8192, untouched).join();
      assertThat(untouched.array()).isEqualTo(new byte[4096]);
    }
  }

  @Test
  void closeLetsInFlightRequestsFinishThenDisconnects() throws Exception {
    GatedDevice gated = new GatedDevice(SIZE);
    RunningServer server = new RunningServer(new MemoryCatalog().add(gated));
    try (RawClient client = new RawClient(server.port).enter("gated")) {
      byte[] data = new byte[512];
      Arrays.fill(data, (byte) 7);
      client.send(WireWriter.write(0, 1, 0, data));
      // Round trip a flush so the write is surely in flight before closing begins.
      client.send(WireWriter.request(0, Nbd.CMD_FLUSH, 2, 0, 0));
      assertThat(client.simpleReply()).containsExactly(0, 2);
      CompletableFuture<Void> closed = server.server.closeAsync();
      assertThat(closed).isNotDone();
      gated.open(0);
      assertThat(client.simpleReply()).containsExactly(0, 1);
      assertThat(client.closedByServer()).isTrue();
      closed.get(30, TimeUnit.SECONDS);
    } finally {
      server.close();
    }
  }
}
