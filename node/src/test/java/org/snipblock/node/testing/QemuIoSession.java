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
 *
 * <p>Send one command at a time and wait for its prompt ({@link #command}): qemu-io reads its
 * stdin through stdio but waits for the descriptor to become readable, so a second command sent
 * before it read the first can land in its stdio buffer, where it stays unread until a third arrives
 * (a flush followed at once by {@code length} went unanswered for 120 s under load).
 */
public final class QemuIoSession implements AutoCloseable {
  /** What qemu-io prints, without a newline, when it waits for the next command. */
  static final String PROMPT = "qemu-io> ";
  /** Put in the output once qemu-io's output has ended (it exited). */
  static final String ENDED = "(qemu-io output ended)";

  private final Process process;
  private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  /** Prompts still to come: one before the first command, one after each command sent. */
  private int promptsOwed = 1;

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

  /** qemu-io on a raw image file (no iSCSI): for tests of the session itself. */
  static QemuIoSession file(java.nio.file.Path image) throws IOException {
    Tools.require("qemu-io");
    return new QemuIoSession(new ProcessBuilder(List.of("qemu-io", "-f", "raw", image.toString()))
        .redirectErrorStream(true).start());
  }

  /** Splits the output into lines, and a prompt (which ends in no newline) into a line of its own. */
  private void pump() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0) {
        if (c == '\n') {
          lines.add(line.toString());
          line.setLength(0);
        } else {
          line.append((char) c);
          if (line.length() == PROMPT.length() && line.toString().equals(PROMPT)) {
            lines.add(PROMPT);
            line.setLength(0);
          }
        }
      }
      if (line.length() > 0) {
        lines.add(line.toString());
      }
    } catch (IOException e) {
      lines.add("(output unreadable: " + e + ")");
    }
    lines.add(ENDED);
  }

  /**
   * Sends one command line (e.g. {@code write -P 0xaa 0 64k}). Prefer {@link #command}, which waits
   * for it to be done: a command sent while another is running may not be read (see above).
   */
  public void send(String command) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
    synchronized (this) {
      promptsOwed++;
    }
  }

  /**
   * Sends one command and returns its output once qemu-io prompts for the next (with any output of
   * earlier commands not read yet), or what came before qemu-io exited; empty if it took longer than
   * {@code timeout}.
   */
  public Optional<List<String>> command(String command, Duration timeout) throws IOException, InterruptedException {
    send(command);
    List<String> out = new java.util.ArrayList<>();
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      synchronized (this) {
        if (promptsOwed <= 0) {
          return Optional.of(out);
        }
      }
      String line = next(end - System.nanoTime());
      if (line == null) {
        return Optional.empty();
      }
      if (line.equals(ENDED)) {
        out.add(line);
        return Optional.of(out);
      }
      if (!line.equals(PROMPT)) {
        out.add(line);
      }
    }
  }

  /** The next output line within {@code nanos}, or null; a prompt taken here is counted. */
  private String next(long nanos) throws InterruptedException {
    String line = nanos <= 0 ? null : lines.poll(nanos, TimeUnit.NANOSECONDS);
    if (PROMPT.equals(line)) {
      synchronized (this) {
        promptsOwed--;
      }
    }
    return line;
  }

  /** The next output line containing {@code text}, or empty if none came within {@code timeout}. */
  public Optional<String> await(String text, Duration timeout) throws InterruptedException {
    return awaitAny(timeout, text);
  }

  /** The next output line containing any of {@code texts}, or empty if none came within {@code timeout}. */
  public Optional<String> awaitAny(Duration timeout, String... texts) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      String line = next(end - System.nanoTime());
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
    synchronized (this) {
      promptsOwed -= (int) out.stream().filter(PROMPT::equals).count();
    }
    return out;
  }

  /** Kills it (SIGKILL: a fenced host's QEMU is not asked) and waits for its end. */
  @Override
  public void close() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }
}
