package org.snipblock.adapter.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a scripted peer on a real unix socket: what QEMU never sends (malformed lines,
 * silence, a hang-up mid-command) cannot be had from QEMU. The happy path against real QEMU is in
 * QemuBootIT.
 */
class QmpClientTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GREETING = "{\"QMP\": {\"version\": {}, \"capabilities\": []}}";
  private static final Duration SHORT = Duration.ofMillis(500);

  @TempDir Path dir;
  private ServerSocketChannel server;
  private CompletableFuture<Void> peerDone;

  /** One scripted exchange with the client: the peer's side, given the connection. */
  interface Script {
    void run(LineChannel peer) throws IOException;
  }

  private QmpClient connect(Script script) throws IOException {
    Path socket = dir.resolve("qmp.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    peerDone = CompletableFuture.runAsync(() -> {
      try (SocketChannel c = server.accept()) {
        LineChannel peer = new LineChannel(c);
        peer.writeLine(GREETING);
        String caps = peer.readLine();
        peer.writeLine("{\"return\": {}, \"id\": " + JSON.readTree(caps).get("id") + "}");
        script.run(peer);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    return QmpClient.connect(socket, Duration.ofSeconds(10));
  }

  @AfterEach
  void close() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static String id(String request) throws IOException {
    return JSON.readTree(request).get("id").asText();
  }

  @Test
  void matchesRepliesByIdAndDeliversEventsInBetween() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    CompletableFuture<List<JsonNode>> sent = new CompletableFuture<>();
    try (QmpClient qmp = connect(peer -> {
      String request = peer.readLine();
      sent.complete(List.of(JSON.readTree(request)));
      peer.writeLine("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}");
      peer.writeLine("{\"return\": {}, \"id\": \"someone-else\"}");
      peer.writeLine("{\"return\": {\"status\": \"paused\"}, \"id\": \"" + id(request) + "\"}");
      peer.readLine();  // the client closes
    })) {
      qmp.onEvent(e -> events.add(e.name()));
      JsonNode status = qmp.execute("query-status", Map.of("verbose", true));
      assertThat(status.path("status").asText()).isEqualTo("paused");
      assertThat(events).containsExactly("STOP");
      JsonNode request = sent.get(5, TimeUnit.SECONDS).get(0);
      assertThat(request.path("execute").asText()).isEqualTo("query-status");
      assertThat(request.path("arguments").path("verbose").asBoolean()).isTrue();
    }
  }

  @Test
  void anErrorReplyNamesTheCommandAndQemusWords() throws Exception {
    try (QmpClient qmp = connect(peer -> {
      String request = peer.readLine();
      peer.writeLine("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Device 'x' not found\"}, \"id\": \""
          + id(request) + "\"}");
      peer.readLine();
    })) {
      assertThatThrownBy(() -> qmp.execute("device_del", Map.of("id", "x")))
          .isInstanceOfSatisfying(QmpCommandFailed.class, e -> assertThat(e.errorClass()).isEqualTo("GenericError"))
          .hasMessage("QEMU refused device_del: Device 'x' not found (GenericError)");
    }
  }

  @Test
  void aMalformedReplyFailsTheCommandAndClosesTheConnection() throws Exception {
    try (QmpClient qmp = connect(peer -> {
      peer.readLine();
      peer.writeLine("{\"return\": {}, \"id\": \"unterminated");
      peer.readLine();
    })) {
      assertThatThrownBy(() -> qmp.execute("query-status"))
          .isInstanceOf(QmpException.class)
          .hasMessageContaining("malformed QMP message (not JSON)");
      qmp.closedFuture().get(5, TimeUnit.SECONDS);
      assertThatThrownBy(() -> qmp.execute("query-status"))
          .isInstanceOf(QmpException.class)
          .hasMessageContaining("is closed: malformed QMP message");
    }
  }

  @Test
  void aCommandWithNoReplyTimesOut() throws Exception {
    try (QmpClient qmp = connect(peer -> {
      peer.readLine();
      peer.readLine();  // silence until the client closes
    })) {
      assertThatThrownBy(() -> qmp.execute("query-status", Map.of(), SHORT))
          .isInstanceOf(QmpException.class)
          .hasMessageStartingWith("no reply to query-status from QEMU")
          .hasMessageEndingWith("within 500 ms");
    }
  }

  @Test
  void aHangUpFailsWaitingCommandsAndEventWaiters() throws Exception {
    try (QmpClient qmp = connect(peer -> peer.readLine())) {
      CompletableFuture<QmpMessage.Event> shutdown = qmp.nextEvent(e -> e.name().equals("SHUTDOWN"));
      assertThatThrownBy(() -> qmp.execute("quit"))
          .isInstanceOf(QmpException.class)
          .hasMessageStartingWith("QEMU closed the QMP connection");
      assertThat(shutdown).failsWithin(Duration.ofSeconds(5));
    }
  }

  @Test
  void aPeerThatIsNotQmpIsRefusedAtTheGreeting() throws Exception {
    Path socket = dir.resolve("other.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    CompletableFuture.runAsync(() -> {
      try (SocketChannel c = server.accept()) {
        new LineChannel(c).writeLine("SSH-2.0-OpenSSH_9.2");
        new LineChannel(c).readLine();
      } catch (IOException e) {
        // the client hangs up
      }
    });
    assertThatThrownBy(() -> QmpClient.connect(socket, Duration.ofSeconds(10)))
        .isInstanceOf(QmpException.class)
        .hasMessageContaining("malformed QMP message (not JSON): SSH-2.0-OpenSSH_9.2");
  }

  @Test
  void noSocketIsReportedAfterTheTimeout() {
    assertThatThrownBy(() -> QmpClient.connect(dir.resolve("absent.sock"), Duration.ofMillis(200)))
        .isInstanceOf(QmpException.class)
        .hasMessageStartingWith("no QMP socket at ");
  }
}
