package org.snipblock.node.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.DaemonThreads;
import org.snipblock.node.config.AdminAuth;
import org.snipblock.node.config.AdminTls;

/**
 * The node's read-only HTTP port: {@code /metrics} in the Prometheus text format, the dashboard
 * ({@code /}, its script and style sheet, served from the jar) and the dashboard's data ({@code
 * /api/state}). The JDK's own HTTP server keeps the node free of another web stack; one thread
 * serves it, which is plenty for scrapers and a few browsers. Only GET and HEAD are allowed (405
 * otherwise), paths not listed are 404. With admin authentication on, the node's state (/metrics,
 * /api/state) needs an operator's token ({@link OperatorAccess}); the page's own files hold no
 * state and stay open, so a browser can load the page that asks for the token.
 */
public final class HttpEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);
  static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final String RESOURCES = "/org/snipblock/node/http/dashboard/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Route> routes = new LinkedHashMap<>();
  private final OperatorAccess access;

  /** @param state true where the body tells the node's state (guarded by {@link OperatorAccess}) */
  private record Route(String contentType, Supplier<byte[]> body, boolean state) {}

  private HttpEndpoint(HttpServer server, NodeMetrics metrics, OperatorView view, AdminAuth auth) {
    this.server = server;
    this.access = new OperatorAccess(auth);
    routes.put("/metrics", new Route(PROMETHEUS_TYPE, () -> utf8(metrics.scrape()), true));
    routes.put("/api/state", new Route("application/json", () -> json(new DashboardState(view)), true));
    routes.put("/", resource("index.html", "text/html; charset=utf-8"));
    routes.put("/dashboard.js", resource("dashboard.js", "text/javascript; charset=utf-8"));
    routes.put("/dashboard.css", resource("dashboard.css", "text/css; charset=utf-8"));
    executor = Executors.newSingleThreadExecutor(DaemonThreads.named("snipblock-http"));
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /**
   * Binds {@code address} (port 0 = any free port) and starts serving; {@code auth} is the admin API's,
   * and so is {@code tls}: with it the port speaks HTTPS only (null: plain HTTP).
   */
  public static HttpEndpoint start(InetSocketAddress address, NodeMetrics metrics, OperatorView view, AdminAuth auth,
      AdminTls tls) throws IOException {
    HttpServer server;
    if (tls == null) {
      server = HttpServer.create(address, 16);
    } else {
      HttpsServer https = HttpsServer.create(address, 16);
      boolean clientCertificates = tls.clientCa() != null;
      https.setHttpsConfigurator(new HttpsConfigurator(tls.httpContext()) {
        @Override
        public void configure(HttpsParameters params) {
          // As the admin API: with client-ca a client without a certificate of it fails the handshake.
          SSLParameters p = getSSLContext().getDefaultSSLParameters();
          p.setNeedClientAuth(clientCertificates);
          params.setSSLParameters(p);
        }
      });
      server = https;
    }
    HttpEndpoint endpoint = new HttpEndpoint(server, metrics, view, auth);
    endpoint.server.start();
    return endpoint;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      Route route = routes.get(exchange.getRequestURI().getPath());
      if (route == null) {
        send(exchange, 404, "text/plain; charset=utf-8", utf8("not found: " + exchange.getRequestURI().getPath()
            + "\nthis port serves " + String.join(", ", routes.keySet()) + "\n"), true);
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", utf8("method " + method + " not allowed: read-only\n"),
            true);
      } else {
        Optional<OperatorAccess.Refusal> refused = route.state() ? access.check(exchange) : Optional.empty();
        if (refused.isPresent()) {
          if (refused.get().status() == 401) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"snipblock\"");
          }
          send(exchange, refused.get().status(), "text/plain; charset=utf-8", utf8(refused.get().reason() + "\n"),
              !method.equals("HEAD"));
          return;
        }
        send(exchange, 200, route.contentType(), route.body().get(), !method.equals("HEAD"));
      }
    } catch (RuntimeException e) {
      // The state could not be read (e.g. the node is shutting down); the client sees a 500, the log why.
      log.warn("HTTP {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      send(exchange, 500, "text/plain; charset=utf-8", utf8("internal error: " + e.getMessage() + "\n"), true);
    }
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body, boolean withBody)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, withBody ? (body.length == 0 ? -1 : body.length) : -1);
    if (withBody && body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static Route resource(String name, String type) {
    byte[] body;
    try (InputStream in = HttpEndpoint.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard file " + name + " is missing from the jar");
      }
      body = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Route(type, () -> body, false);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] json(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
