package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryCatalog;

/** Garbage and hostile headers on real sockets: those connections end, the node serves on. */
class GarbageOnTheWireIT {

  @Test
  void garbageConnectionsAreDroppedAndOthersStillWork() throws Exception {
    ExternalTool.require("iscsi-inq");
    try (IscsiTarget target = new IscsiTarget(IscsiTargetConfig.defaults(),
        new MemoryCatalog().add("disk", 8L << 20))) {
      int port = target.start();
      byte[] garbage = new byte[1 << 20];
      new Random(1).nextBytes(garbage);
      garbage[4] = 0; // no AHS, and a data segment length that login never allows
      garbage[5] = 0x7f;
      assertClosedAfter(port, garbage);

      byte[] hugeLogin = new byte[48];
      hugeLogin[0] = 0x43;
      hugeLogin[5] = (byte) 0xff;
      hugeLogin[6] = (byte) 0xff;
      hugeLogin[7] = (byte) 0xff;
      assertClosedAfter(port, hugeLogin);

      ExternalTool.run(Duration.ofSeconds(30), "iscsi-inq",
          "iscsi://127.0.0.1:" + port + "/" + IscsiTargetConfig.DEFAULT_PREFIX + "disk/0")
          .assertOk();
      assertThat(target.sessions()).isEmpty();
    }
  }

  private static void assertClosedAfter(int port, byte[] bytes) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port));
      s.setSoTimeout(10_000);
      try {
        s.getOutputStream().write(bytes);
      } catch (java.io.IOException closedWhileWriting) {
        return; // the target already hung up on us
      }
      InputStream in = s.getInputStream();
      byte[] sink = new byte[4096];
      try {
        while (in.read(sink) >= 0) {
          // drain until the target closes
        }
      } catch (java.net.SocketException reset) {
        // connection reset by the target also counts as closed
      }
    }
  }
}
