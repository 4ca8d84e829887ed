package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.snipblock.block.LoggedErrors;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.block.SocketExchange;
import org.snipblock.nbd.protocol.Nbd;

/**
 * Coverage-guided fuzzing of what an NBD client's bytes reach, on a running server over real
 * sockets: {@link #handshake} gives the fuzzer the whole stream after the greeting (client flags,
 * every option: EXPORT_NAME, GO, INFO, LIST, STRUCTURED_REPLY, the meta-context options, STARTTLS
 * on a server without TLS, ABORT); {@link #transmission} enters an export first (with structured
 * replies and base:allocation, or plain) and gives it the request stream (every command, flags,
 * payloads). The server must answer or close, never hang, log no unexpected failure, and keep
 * serving. Committed inputs in NbdWireFuzzTestInputs/ run in CI; the README's reliability section
 * says how to fuzz.
 */
class NbdWireFuzzTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static RunningServer server;

  @BeforeAll
  static void start() throws InterruptedException {
    server = new RunningServer(new MemoryCatalog().add(new MemoryBlockDevice("vol", 1 << 20, 512, false)));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @FuzzTest(maxDuration = "10s")
  void handshake(byte[] input) throws IOException {
    try (SilentCloseable ours = ourServerOnly(); LoggedErrors errors = new LoggedErrors()) {
      SocketExchange.sendAndDrain(server.port, input, TIMEOUT);
      assertThat(errors.all()).as("unexpected failures logged").isEmpty();
    }
  }

  /** The first byte picks the entry: odd with structured replies and base:allocation via GO, even plain. */
  @FuzzTest(maxDuration = "10s")
  void transmission(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    try (SilentCloseable ours = ourServerOnly(); LoggedErrors errors = new LoggedErrors();
        Socket s = SocketExchange.connect(server.port, TIMEOUT)) {
      enter(s, (input[0] & 1) != 0);
      SocketExchange.sendAndDrain(s, Arrays.copyOfRange(input, 1, input.length), TIMEOUT);
      assertThat(errors.all()).as("unexpected failures logged").isEmpty();
    }
  }

  private static void enter(Socket s, boolean structured) throws IOException {
    DataInputStream in = new DataInputStream(s.getInputStream());
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    in.readFully(new byte[18]); // NBDMAGIC, IHAVEOPT, handshake flags
    out.writeInt(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES);
    byte[] name = "vol".getBytes(StandardCharsets.UTF_8);
    if (!structured) {
      option(out, Nbd.OPT_EXPORT_NAME, name);
      in.readFully(new byte[10]); // size, transmission flags
      return;
    }
    option(out, Nbd.OPT_STRUCTURED_REPLY, new byte[0]);
    awaitAck(in);
    byte[] context = "base:allocation".getBytes(StandardCharsets.UTF_8);
    java.nio.ByteBuffer meta = java.nio.ByteBuffer.allocate(4 + name.length + 4 + 4 + context.length)
        .putInt(name.length).put(name).putInt(1).putInt(context.length).put(context);
    option(out, Nbd.OPT_SET_META_CONTEXT, meta.array());
    awaitAck(in);
    java.nio.ByteBuffer go = java.nio.ByteBuffer.allocate(4 + name.length + 2).putInt(name.length).put(name).putShort((short) 0);
    option(out, Nbd.OPT_GO, go.array());
    awaitAck(in);
  }

  private static void option(DataOutputStream out, int code, byte[] data) throws IOException {
    out.writeLong(Nbd.IHAVEOPT);
    out.writeInt(code);
    out.writeInt(data.length);
    out.write(data);
    out.flush();
  }

  /** Reads option replies up to the ACK; an error reply fails the test (the entry is ours, not fuzzed). */
  private static void awaitAck(DataInputStream in) throws IOException {
    while (true) {
      assertThat(in.readLong()).as("option reply magic").isEqualTo(Nbd.OPTION_REPLY_MAGIC);
      in.readInt();
      int type = in.readInt();
      in.readFully(new byte[in.readInt()]);
      assertThat(type).as("option reply type").isGreaterThanOrEqualTo(0);
      if (type == 1) {
        return;
      }
    }
  }

  /** Connecting to the server under test is the point; Jazzer's SSRF detector would flag it. */
  private static SilentCloseable ourServerOnly() {
    return BugDetectors.allowNetworkConnections((host, port) -> host.equals("localhost") || host.equals("127.0.0.1"));
  }
}
