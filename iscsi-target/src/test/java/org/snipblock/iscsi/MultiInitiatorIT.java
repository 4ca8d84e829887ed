package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.pdu.ConnectionCodecState;
import org.snipblock.iscsi.pdu.Pdu;
import org.snipblock.iscsi.pdu.PduEncoder;

/**
 * Several initiators at once, one of them dead: it logs in, asks for a large read and never
 * reads its socket again. The others must finish their I/O regardless, and the dead one must be
 * dropped once it stops answering the target's NOP-In pings.
 */
class MultiInitiatorIT {
  private static final Duration T = Duration.ofSeconds(60);

  @Test
  void aDeadInitiatorStallsNobodyAndIsDropped() throws Exception {
    ExternalTool.require("qemu-io");
    MemoryCatalog catalog = new MemoryCatalog().add("a", 32L << 20).add("b", 32L << 20)
        .add("c", 32L << 20).add("stuck", 32L << 20);
    IscsiTargetConfig config = IscsiTargetConfig.defaults()
        .withNop(Duration.ofSeconds(1), Duration.ofSeconds(2));
    try (IscsiTarget target = new IscsiTarget(config, catalog);
        Socket dead = new Socket()) {
      int port = target.start();
      dead.connect(new java.net.InetSocketAddress("127.0.0.1", port));
      loginAndRequestHugeRead(dead, IscsiTargetConfig.DEFAULT_PREFIX + "stuck");

      List<CompletableFuture<ExternalTool.Result>> runs = new ArrayList<>();
      for (String device : List.of("a", "b", "c")) {
        String url = "iscsi://127.0.0.1:" + port + "/" + IscsiTargetConfig.DEFAULT_PREFIX
            + device + "/0";
        runs.add(CompletableFuture.supplyAsync(() -> {
          try {
            return ExternalTool.run(T, "qemu-io", "-f", "raw", "-c", "write -P 0x3c 0 8M",
                "-c", "read -P 0x3c 0 8M", "-c", "write -P 0x7e 16M 4M",
                "-c", "read -P 0x7e 16M 4M", url);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }));
      }
      for (CompletableFuture<ExternalTool.Result> run : runs) {
        String out = run.get(90, TimeUnit.SECONDS).assertOk().output();
        assertThat(out).doesNotContain("Pattern verification failed");
      }
      // The dead initiator never answered a ping: reading its socket now ends in EOF.
      dead.setSoTimeout(30_000);
      InputStream in = dead.getInputStream();
      byte[] sink = new byte[1 << 16];
      long total = 0;
      try {
        for (int n; (n = in.read(sink)) >= 0; ) {
          total += n;
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the target kept the dead initiator's connection", e);
      }
      assertThat(total).isGreaterThan(0);
    }
  }

  /** A minimal hand-rolled initiator: login to full feature phase, one 16 MiB READ(10). */
  private static void loginAndRequestHugeRead(Socket socket, String targetName)
      throws Exception {
    OutputStream out = socket.getOutputStream();
    DataInputStream in = new DataInputStream(socket.getInputStream());
    write(out, TestPdus.login(0x80 | 0x03, 1, 0, "InitiatorName=iqn.2026-11.test:dead",
        "SessionType=Normal", "TargetName=" + targetName, "AuthMethod=None"));
    byte[] header = new byte[48];
    in.readFully(header);
    int dsl = ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
    in.readFully(new byte[(dsl + 3) & ~3]);
    assertThat(header[36]).as("login status class").isZero();
    assertThat(header[1] & 0x83).as("transit to full feature phase").isEqualTo(0x83);
    int blocks = 32768; // 16 MiB of 512-byte blocks
    byte[] read10 = {0x28, 0, 0, 0, 0, 0, 0, (byte) (blocks >>> 8), (byte) blocks, 0};
    write(out, TestPdus.scsi(2, 0, 0x80 | 0x40, blocks * 512, read10, new byte[0]));
  }

  private static void write(OutputStream out, Pdu pdu) throws Exception {
    EmbeddedChannel encoder = new EmbeddedChannel(new PduEncoder(new ConnectionCodecState()));
    encoder.writeOutbound(pdu);
    ByteBuf buf = encoder.readOutbound();
    byte[] bytes = new byte[buf.readableBytes()];
    buf.readBytes(bytes);
    buf.release();
    out.write(bytes);
    out.flush();
  }
}
