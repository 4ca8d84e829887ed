package org.snipblock.adapter.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snipblock.node.OperatorError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the serial console logs of this host's VMs over HTTP, so that {@code vm console} works from
 * any machine: {@code GET /vms/NAME/console?from=N} answers the log's bytes from offset N (at most
 * {@link #MAX_CHUNK} at a time) with the log's size in {@code X-Console-Size}; a client following the
 * console asks again from where it got to. Unauthenticated and read-only: it listens on the address
 * the operator gives (a management network), 127.0.0.1 by default.
 */
public final class ConsoleServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsoleServer.class);
  static final int MAX_CHUNK = 256 * 1024;
  /** VM names as {@code vm create} accepts them; anything else (a path, say) is no VM here. */
  private static final Pattern PATH = Pattern.compile("/vms/([a-z0-9][a-z0-9.-]{0,252})/console");
  private static final Pattern FROM = Pattern.compile("from=(\\d{1,18})");

  private final HttpServer server;

  private ConsoleServer(HttpServer server) {
    this.server = server;
  }

  /** Listens on {@code address} (HOST:PORT, port 0 for any free one) for the consoles under {@code vms}. */
  public static ConsoleServer start(String address, Path vms) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new OperatorError("bad --console-address '" + address + "': HOST:PORT");
    }
    String host = address.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new OperatorError("bad --console-address '" + address + "': the port is not a number");
    }
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
      server.createContext("/vms/", exchange -> serve(exchange, vms));
      server.setExecutor(Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "console-http");
        t.setDaemon(true);
        return t;
      }));
      server.start();
      return new ConsoleServer(server);
    } catch (IOException | IllegalArgumentException e) {
      throw new OperatorError("cannot serve consoles on " + address + ": " + e.getMessage());
    }
  }

  /** HOST:PORT as bound, for the host record. */
  public String address() {
    InetSocketAddress a = server.getAddress();
    return a.getHostString() + ":" + a.getPort();
  }

  private static void serve(HttpExchange exchange, Path vms) throws IOException {
    try {
      Matcher m = PATH.matcher(exchange.getRequestURI().getPath());
      if (!exchange.getRequestMethod().equals("GET") || !m.matches()) {
        reply(exchange, 404, new byte[0], -1);
        return;
      }
      String query = exchange.getRequestURI().getRawQuery();
      Matcher from = FROM.matcher(query == null ? "" : query);
      long offset = from.find() ? Long.parseLong(from.group(1)) : 0;
      Path file = vms.resolve(m.group(1)).resolve("console.log");
      if (!Files.exists(file)) {
        reply(exchange, 404, new byte[0], -1);
        return;
      }
      try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
        long size = f.length();
        int n = (int) Math.max(0, Math.min(MAX_CHUNK, size - offset));
        byte[] chunk = new byte[n];
        f.seek(Math.min(offset, size));
        f.readFully(chunk);
        reply(exchange, 200, chunk, size);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("console request {} failed: {}", exchange.getRequestURI(), e.toString());
    } finally {
      exchange.close();
    }
  }

  private static void reply(HttpExchange exchange, int status, byte[] body, long size) throws IOException {
    if (size >= 0) {
      exchange.getResponseHeaders().set("X-Console-Size", String.valueOf(size));
    }
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
