package org.snipblock.adapter.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.snipblock.adapter.qmp.QmpClient;
import org.snipblock.adapter.qmp.QmpException;
import org.snipblock.node.OperatorError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running QEMU and its QMP connection. QEMU's own messages (not the guest's console) go to
 * {@code qemu.log} beside the QMP socket, so that a QEMU that refuses to start says why.
 */
public final class QemuProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QemuProcess.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final int LOG_TAIL_CHARS = 2000;

  private final QemuCommand command;
  private final Process process;
  private final Path qemuLog;
  private final QmpClient qmp;

  private QemuProcess(QemuCommand command, Process process, Path qemuLog, QmpClient qmp) {
    this.command = command;
    this.process = process;
    this.qemuLog = qemuLog;
    this.qmp = qmp;
  }

  /** Starts QEMU and returns once its QMP answers; a QEMU that exits first fails with its own words. */
  public static QemuProcess start(QemuCommand command) {
    Path qemuLog = command.qmpSocket().resolveSibling(command.qmpSocket().getFileName() + ".qemu.log");
    List<String> argv = command.argv();
    Process process;
    try {
      Files.deleteIfExists(command.qmpSocket());
      process = new ProcessBuilder(argv).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.to(qemuLog.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    } catch (IOException e) {
      throw new OperatorError("cannot start " + command.binary() + ": " + e.getMessage(), e);
    }
    log.info("started QEMU for {} (pid {}): {}", command.name(), process.pid(), String.join(" ", argv));
    try {
      awaitSocket(process, command.qmpSocket(), qemuLog);
      QmpClient qmp = QmpClient.connect(command.qmpSocket(), START_TIMEOUT);
      return new QemuProcess(command, process, qemuLog, qmp);
    } catch (RuntimeException e) {
      throw exitedOr(process, qemuLog, e);
    }
  }

  /** A QEMU that exits just after opening its socket (a kernel it cannot load) breaks QMP: say why it exited. */
  private static RuntimeException exitedOr(Process process, Path qemuLog, RuntimeException e) {
    try {
      if (process.waitFor(2, TimeUnit.SECONDS)) {
        return new OperatorError("QEMU exited at start (status " + process.exitValue() + "): " + tail(qemuLog), e);
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
    process.destroyForcibly();
    return e;
  }

  private static void awaitSocket(Process process, Path socket, Path qemuLog) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!Files.exists(socket)) {
      if (!process.isAlive()) {
        throw new OperatorError("QEMU exited at start (status " + process.exitValue() + "): " + tail(qemuLog));
      }
      if (System.nanoTime() > deadline) {
        throw new OperatorError("QEMU did not open its QMP socket within " + START_TIMEOUT.toSeconds() + " s: "
            + tail(qemuLog));
      }
      try {
        TimeUnit.MILLISECONDS.sleep(20);  // QEMU creates the socket once its options are parsed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OperatorError("interrupted starting QEMU", e);
      }
    }
  }

  static String tail(Path file) {
    try {
      String text = Files.exists(file) ? Files.readString(file).strip() : "";
      text = text.length() > LOG_TAIL_CHARS ? text.substring(text.length() - LOG_TAIL_CHARS) : text;
      return text.isEmpty() ? "(no output)" : text.replace('\n', ' ');
    } catch (IOException e) {
      return "(its log is unreadable: " + e.getMessage() + ")";
    }
  }

  public QmpClient qmp() {
    return qmp;
  }

  public QemuCommand command() {
    return command;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public CompletableFuture<Process> onExit() {
    return process.onExit();
  }

  /** What QEMU itself printed (errors, warnings), at most the last 2000 characters. */
  public String qemuLogTail() {
    return tail(qemuLog);
  }

  /** Asks QEMU to quit (the guest is stopped at once, as by pulling the plug); kills it if it does not. */
  public void quit(Duration timeout) {
    try {
      qmp.execute("quit");
    } catch (QmpException e) {
      log.debug("quit {}: {}", command.name(), e.getMessage());  // QEMU may close before it answers
    }
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("QEMU of {} did not quit within {} s; killing it", command.name(), timeout.toSeconds());
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
    qmp.close();
  }

  /** SIGKILL, and waits for the process to be gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    qmp.close();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
