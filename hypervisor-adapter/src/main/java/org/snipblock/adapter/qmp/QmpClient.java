package org.snipblock.adapter.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QMP connection to one QEMU (JSON lines over a unix socket). {@link #connect} reads the greeting
 * and negotiates capabilities; {@link #execute} sends a command with an id and waits, bounded, for
 * the reply with that id; events go to the listeners and to {@link #awaitEvent} waiters. One thread
 * reads; a malformed message or the end of the stream fails every waiting command and closes the
 * connection, since what follows cannot be trusted to line up.
 */
public final class QmpClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QmpClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final SocketChannel channel;
  private final LineChannel lines;
  private final AtomicLong ids = new AtomicLong();
  private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final Map<String, String> pendingCommands = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Consumer<QmpMessage.Event>> listeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<QmpMessage.Greeting> greeting = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile QmpException failure;

  private QmpClient(String name, SocketChannel channel) {
    this.name = name;
    this.channel = channel;
    this.lines = new LineChannel(channel);
    Thread reader = new Thread(this::readLoop, "qmp-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Connects to the QMP socket at {@code socket}, waiting up to {@code timeout} for it to accept
   * (QEMU creates it shortly after it starts), then reads the greeting and leaves capability
   * negotiation mode.
   */
  public static QmpClient connect(Path socket, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    SocketChannel channel = null;
    IOException last = null;
    while (channel == null && System.nanoTime() < deadline) {
      try {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
          c.connect(UnixDomainSocketAddress.of(socket));
          channel = c;
        } catch (IOException e) {
          c.close();
          last = e;
          TimeUnit.MILLISECONDS.sleep(50);  // QEMU has not bound the socket yet
        }
      } catch (IOException e) {
        throw new QmpException("cannot open a unix socket: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new QmpException("interrupted connecting to " + socket, e);
      }
    }
    if (channel == null) {
      throw new QmpException("no QMP socket at " + socket + " after " + timeout.toSeconds() + " s"
          + (last == null ? "" : ": " + last.getMessage()));
    }
    QmpClient client = new QmpClient(socket.getFileName().toString(), channel);
    try {
      client.awaitGreeting(timeout);
      client.execute("qmp_capabilities", Map.of(), timeout);
      return client;
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  private void awaitGreeting(Duration timeout) {
    await(greeting, timeout, "QMP greeting");
  }

  public JsonNode execute(String command) {
    return execute(command, Map.of(), DEFAULT_TIMEOUT);
  }

  public JsonNode execute(String command, Map<String, ?> arguments) {
    return execute(command, arguments, DEFAULT_TIMEOUT);
  }

  /** Sends {@code command} and returns its result; an error reply throws {@link QmpCommandFailed}. */
  public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) {
    String id = name + "-" + ids.incrementAndGet();
    ObjectNode request = JSON.createObjectNode().put("execute", command).put("id", id);
    if (!arguments.isEmpty()) {
      request.set("arguments", JSON.valueToTree(arguments));
    }
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    pendingCommands.put(id, command);
    try {
      QmpException broken = failure;
      if (broken != null) {
        throw new QmpException("QMP connection " + name + " is closed: " + broken.getMessage(), broken);
      }
      lines.writeLine(JSON.writeValueAsString(request));
      return await(reply, timeout, "reply to " + command);
    } catch (JsonProcessingException e) {
      throw new QmpException("cannot encode the arguments of " + command + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new QmpException("cannot send " + command + " to QEMU: " + e.getMessage(), e);
    } finally {
      pending.remove(id);
      pendingCommands.remove(id);
    }
  }

  /** Calls {@code listener} (on the reader thread) for every event from now on. */
  public void onEvent(Consumer<QmpMessage.Event> listener) {
    listeners.add(listener);
  }

  /** A future of the next event that {@code matches}, from now on; it fails if the connection ends first. */
  public CompletableFuture<QmpMessage.Event> nextEvent(Predicate<QmpMessage.Event> matches) {
    CompletableFuture<QmpMessage.Event> next = new CompletableFuture<>();
    Consumer<QmpMessage.Event> listener = new Consumer<>() {
      @Override
      public void accept(QmpMessage.Event e) {
        if (matches.test(e) && next.complete(e)) {
          listeners.remove(this);
        }
      }
    };
    listeners.add(listener);
    closed.whenComplete((v, t) -> next.completeExceptionally(
        new QmpException("QMP connection " + name + " closed before the event came")));
    return next;
  }

  /** The next event named {@code event}, waiting at most {@code timeout}. */
  public QmpMessage.Event awaitEvent(String event, Duration timeout) {
    return await(nextEvent(e -> e.name().equals(event)), timeout, "event " + event);
  }

  /** Completes when the connection has ended (QEMU exited or closed it, or it was closed here). */
  public CompletableFuture<Void> closedFuture() {
    return closed;
  }

  private <T> T await(CompletableFuture<T> future, Duration timeout, String what) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new QmpException("no " + what + " from QEMU (" + name + ") within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QmpException("interrupted waiting for " + what, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof QmpException q) {
        throw q;
      }
      throw new QmpException("waiting for " + what + ": " + e.getCause(), e.getCause());
    }
  }

  private void readLoop() {
    try {
      String line;
      while ((line = lines.readLine()) != null) {
        dispatch(QmpParser.parse(line));
      }
      fail(new QmpException("QEMU closed the QMP connection (" + name + ")"));
    } catch (QmpException e) {
      log.warn("QMP connection {}: {}", name, e.getMessage());
      fail(e);
    } catch (IOException e) {
      fail(new QmpException("QMP connection " + name + " failed: " + e.getMessage(), e));
    }
  }

  private void dispatch(QmpMessage message) {
    if (message instanceof QmpMessage.Greeting g) {
      greeting.complete(g);
    } else if (message instanceof QmpMessage.Reply r) {
      complete(r.id(), f -> f.complete(r.result()));
    } else if (message instanceof QmpMessage.Failure f) {
      String command = f.id() == null ? "a command" : pendingCommands.getOrDefault(f.id(), "a command");
      complete(f.id(), future -> future.completeExceptionally(
          new QmpCommandFailed(command, f.errorClass(), f.description())));
    } else if (message instanceof QmpMessage.Event e) {
      log.debug("QMP {} event {} {}", name, e.name(), e.data());
      for (Consumer<QmpMessage.Event> listener : listeners) {
        try {
          listener.accept(e);
        } catch (RuntimeException ex) {
          log.warn("a QMP event listener failed on {}", e.name(), ex);
        }
      }
    }
  }

  private void complete(String id, Consumer<CompletableFuture<JsonNode>> how) {
    CompletableFuture<JsonNode> future = id == null ? null : pending.get(id);
    if (future == null) {
      log.warn("QMP {}: a reply to no command we sent (id {})", name, id);
      return;
    }
    how.accept(future);
  }

  private void fail(QmpException e) {
    failure = e;
    greeting.completeExceptionally(e);
    pending.values().forEach(f -> f.completeExceptionally(e));
    closeChannel();
    closed.complete(null);
  }

  private void closeChannel() {
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing QMP socket {}", name, e);
    }
  }

  @Override
  public void close() {
    if (failure == null) {
      failure = new QmpException("closed");
    }
    closeChannel();
  }
}
