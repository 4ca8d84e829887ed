package org.snipblock.node.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One interactive qemu-io: a single iSCSI session of one initiator, kept open between commands the
 * way a running QEMU keeps its disk's session. Commands go to its stdin; its output lines are read
 * as they come.
 */
public final class QemuIoSession implements AutoCloseable {
  private final Process process;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

  private QemuIoSession(Process process) {
    this.process = process;
    Thread pump = new Thread(this::pump, "qemu-io-" + process.pid());
    pump.setDaemon(true);
    pump.start();
  }

  /** qemu-io on LUN 0 of an iSCSI target, logging in as {@code initiator}. */
  public static QemuIoSession iscsi(int port, String target, String initiator) throws IOException {
    Tools.requireQemuIscsi();
    Tools.require("qemu-io");
    return new QemuIoSession(new ProcessBuilder(List.of("qemu-io", "--image-opts", iscsiOptions(port, target,
        initiator))).redirectErrorStream(true).start());
  }

  /** qemu's --image-opts for LUN 0 of an iSCSI target on 127.0.0.1, logging in as {@code initiator}. */
  public static String iscsiOptions(int port, String target, String initiator) {
    return "driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:" + port
        + ",file.target=" + target + ",file.lun=0,file.initiator-name=" + initiator;
  }

  private void pump() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException e) {
      lines.add("(output unreadable: " + e + ")");
    }
  }

  /** Sends one command line (e.g. {@code write -P 0xaa 0 64k}). */
  public void send(String command) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** The next output line containing {@code text}, or empty if none came within {@code timeout}. */
  public Optional<String> await(String text, Duration timeout) throws InterruptedException {
    return awaitAny(timeout, text);
  }

  /** The next output line containing any of {@code texts}, or empty if none came within {@code timeout}. */
  public Optional<String> awaitAny(Duration timeout, String... texts) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = end - System.nanoTime();
      String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        return Optional.empty();
      }
      for (String text : texts) {
        if (line.contains(text)) {
          return Optional.of(line);
        }
      }
    }
  }

  /** Every output line not read yet. */
  public List<String> unread() {
    List<String> out = new java.util.ArrayList<>();
    lines.drainTo(out);
    return out;
  }

  /** Kills it (SIGKILL: a fenced host's QEMU is not asked) and waits for its end. */
  @Override
  public void close() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }
}
