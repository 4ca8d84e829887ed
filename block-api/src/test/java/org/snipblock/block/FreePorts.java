package org.snipblock.block;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports on 127.0.0.1 that were free a moment ago, for members that must know each other's ports up
 * front. Taken below Linux's ephemeral range (32768 and up): a port the kernel handed out as free
 * could be given to the next outgoing connection before the member binds it, which failed a CI run.
 */
public final class FreePorts {
  private static final int FIRST = 20_000;
  private static final int LAST = 32_000;

  private FreePorts() {}

  public static List<Integer> take(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int start = ThreadLocalRandom.current().nextInt(FIRST, LAST);
      for (int i = 0; i < LAST - FIRST && held.size() < count; i++) {
        int port = FIRST + (start - FIRST + i) % (LAST - FIRST);
        try {
          held.add(new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
        } catch (IOException inUse) {
          // taken: try the next one
        }
      }
      if (held.size() < count) {
        throw new IllegalStateException("fewer than " + count + " free ports in " + FIRST + ".." + LAST);
      }
      return held.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // best effort: the port is released either way when the socket is collected
        }
      }
    }
  }
}
