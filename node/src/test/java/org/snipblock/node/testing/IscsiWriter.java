package org.snipblock.node.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A {@link DoorWriter} over iSCSI: an interactive qemu-io, whose iSCSI driver is libiscsi, logged in
 * to the volume's target through one door. A write's data goes through a file ({@code write -f -s});
 * qemu-io answers {@code wrote N/N bytes} or {@code write failed: REASON}. One command at a time,
 * each done once qemu-io prompts again ({@link QemuIoSession#command}).
 */
public final class IscsiWriter implements DoorWriter {
  private static final String INITIATOR = "iqn.2026-12.org.snipblock.test:fault-schedule";
  private static final Duration CONNECT = Duration.ofSeconds(60);
  private static final Duration WRITE = Duration.ofSeconds(120);

  private final Path data;
  private QemuIoSession session;

  /** @param data a file this writer may overwrite: each write's data goes there first */
  public IscsiWriter(Path data) {
    this.data = data;
  }

  @Override
  public String connect(DaemonProcess door, String volume) throws IOException {
    closeSession();
    session = QemuIoSession.iscsi(door.info().iscsiPort(), "iqn.2026-11.org.snipblock:" + volume, INITIATOR);
    // qemu-io exits when it cannot log in or open the LUN; "length" answers once it has.
    Optional<List<String>> answer = command("length", CONNECT);
    if (answer.isPresent() && answer.get().stream().anyMatch(l -> l.contains("iB"))) {
      return null;
    }
    String why = answer.map(Object::toString).orElse("no answer within " + CONNECT.toSeconds() + " s "
        + session.unread());
    closeSession();
    return why;
  }

  @Override
  public String write(int first, int blocks, long id) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(blocks * NbdWriter.BLOCK).order(ByteOrder.LITTLE_ENDIAN);
    for (int b = first; b < first + blocks; b++) {
      for (int w = 0; w < NbdWriter.BLOCK; w += 16) {
        buf.putLong(id).putLong(b);
      }
    }
    Files.write(data, buf.array());
    Optional<List<String>> answer = command("write -f -s " + data + " " + (long) first * NbdWriter.BLOCK + " "
        + blocks * NbdWriter.BLOCK, WRITE);
    if (answer.isEmpty()) {
      throw new AssertionError("no answer to an iSCSI write within " + WRITE.toSeconds() + " s: " + session.unread());
    }
    String wrote = "wrote " + blocks * NbdWriter.BLOCK + "/";
    return answer.get().stream().anyMatch(l -> l.contains(wrote)) ? null : String.join(" | ", answer.get());
  }

  /**
   * qemu-io's {@code flush} prints nothing, success or not: it is done once qemu-io prompts again.
   * Its failure shows only in the writes after it, which are FUA anyway.
   */
  @Override
  public String flush() throws IOException {
    return command("flush", WRITE).isPresent() ? null
        : "no answer to a flush within " + WRITE.toSeconds() + " s: " + session.unread();
  }

  @Override
  public String protocol() {
    return "iSCSI";
  }

  private Optional<List<String>> command(String command, Duration timeout) throws IOException {
    try {
      return session.command(command, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private void closeSession() throws IOException {
    if (session != null) {
      try {
        session.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      session = null;
    }
  }

  @Override
  public void close() throws IOException {
    closeSession();
  }
}
