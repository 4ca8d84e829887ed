package org.snipblock.node.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.node.admin.AdminToken;
import org.snipblock.node.admin.ClientCertificate;
import org.snipblock.node.config.AdminAuth;

/**
 * Who may read the node's state over HTTP: with {@code admin.auth} only a caller with an operator's
 * admin token (the same {@code Authorization: Bearer TOKEN} as on the admin API) or, without a
 * token, an operator's client certificate (its name in {@code admin.auth.certificates}), since the
 * dashboard and /metrics show every tenant's volumes; without it, anyone who reaches the port, as
 * on the admin API. A refusal is logged with the caller's address, never the token.
 */
final class OperatorAccess {
  private static final Logger log = LoggerFactory.getLogger(OperatorAccess.class);

  /** Why a request is refused: its status and the one line the client gets. */
  record Refusal(int status, String reason) {}

  private final AdminAuth auth;

  OperatorAccess(AdminAuth auth) {
    this.auth = auth;
  }

  boolean on() {
    return auth.on();
  }

  /** Empty when the request may read; else its refusal (401: no or unknown token, 403: a tenant's). */
  Optional<Refusal> check(HttpExchange exchange) {
    if (!auth.on()) {
      return Optional.empty();
    }
    String token = AdminToken.bearer(exchange.getRequestHeaders().getFirst("Authorization"));
    Optional<String> role = auth.roleOf(token,
        exchange instanceof HttpsExchange https ? ClientCertificate.nameOf(https.getSSLSession()) : null);
    Refusal refusal;
    if (role.isEmpty()) {
      refusal = new Refusal(401, token == null ? "this node requires an operator's admin token (Authorization: Bearer TOKEN)"
          : "the admin token is not valid on this node");
    } else if (!role.get().isEmpty()) {
      refusal = new Refusal(403, "tenant " + role.get() + " may not read " + exchange.getRequestURI().getPath()
          + ": it shows every tenant's volumes (operator only)");
    } else {
      return Optional.empty();
    }
    log.warn("refused HTTP {} {} from {}: {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
        exchange.getRemoteAddress(), refusal.reason());
    return Optional.of(refusal);
  }
}
