package org.snipblock.node.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real NBD client (libnbd's Python bindings) driven one command at a time, so the test knows
 * exactly which requests were acknowledged: {@code connect URL}, {@code write OFFSET BLOCKS ID}
 * (FUA; every 4 KiB block filled with the 16-byte word {@code (ID, block number)}, so a read-back
 * block names the write that made it and shows a torn or misplaced block), {@code flush} and
 * {@code dump PATH} (the whole export into a file). Each answers one line: {@code ok} or
 * {@code err REASON}.
 */
public final class NbdWriter implements DoorWriter {
  public static final int BLOCK = 4096;

  private static final String SCRIPT = """
      import nbd, struct, sys
      h = None
      def answer(text):
          sys.stdout.write(text + "\\n")
          sys.stdout.flush()
      for line in sys.stdin:
          cmd = line.split()
          try:
              if cmd[0] == "connect":
                  h = None  # libnbd closes a handle when it is dropped
                  c = nbd.NBD()
                  c.connect_uri(cmd[1])
                  h = c
              elif cmd[0] == "write":
                  first, blocks, wid = int(cmd[1]), int(cmd[2]), int(cmd[3])
                  buf = b"".join(struct.pack("<QQ", wid, b) * 256 for b in range(first, first + blocks))
                  h.pwrite(buf, first * 4096, nbd.CMD_FLAG_FUA)
              elif cmd[0] == "flush":
                  h.flush()
              elif cmd[0] == "dump":
                  size = h.get_size()
                  with open(cmd[1], "wb") as f:
                      for off in range(0, size, 1 << 20):
                          f.write(h.pread(min(1 << 20, size - off), off))
              answer("ok")
          except Exception as e:
              answer("err " + str(e).replace("\\n", " "))
      """;

  private final Process process;
  private final BufferedReader answers;
  private final OutputStream commands;

  private NbdWriter(Process process) {
    this.process = process;
    this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.commands = process.getOutputStream();
  }

  /** Starts the client (not connected yet); its stderr goes to {@code errors}. */
  public static NbdWriter start(Path errors) throws IOException {
    Tools.requirePythonNbd();
    return new NbdWriter(new ProcessBuilder(Tools.SYSTEM_PYTHON, "-c", SCRIPT)
        .redirectError(errors.toFile()).start());
  }

  /** Sends one command and returns its answer: null if acknowledged, else the client's reason. */
  public String call(String command, long timeoutSeconds) throws IOException {
    commands.write((command + "\n").getBytes(StandardCharsets.UTF_8));
    commands.flush();
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        return answers.readLine();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    try {
      String answer = line.get(timeoutSeconds, TimeUnit.SECONDS);
      if (answer == null) {
        throw new IOException("the NBD client exited");
      }
      return answer.equals("ok") ? null : answer;
    } catch (TimeoutException e) {
      throw new AssertionError("no answer to '" + command + "' within " + timeoutSeconds + " s");
    } catch (ExecutionException e) {
      throw new IOException("the NBD client's output failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public String connect(DaemonProcess door, String volume) throws IOException {
    return call("connect " + door.nbdUrl(volume), 60);
  }

  @Override
  public String write(int first, int blocks, long id) throws IOException {
    return call("write " + first + " " + blocks + " " + id, 120);
  }

  @Override
  public String flush() throws IOException {
    return call("flush", 120);
  }

  @Override
  public String protocol() {
    return "NBD";
  }

  @Override
  public void close() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }
}
