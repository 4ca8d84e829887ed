package org.snipblock.node.admin;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import org.snipblock.node.config.AdminAuth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every admin call by its token when the node has {@code admin.auth}, or without a
 * token by the name of the client certificate the TLS handshake checked: an unknown or missing token is refused (UNAUTHENTICATED, logged with the caller's address, never the token);
 * a known one makes the call the operator's or its tenant's ({@link Caller}).
 */
final class TokenAuth implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(TokenAuth.class);

  private final AdminAuth auth;

  TokenAuth(AdminAuth auth) {
    this.auth = auth;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!auth.on()) {
      return next.startCall(call, headers);
    }
    String token = AdminToken.of(headers);
    Optional<String> role = auth.roleOf(token,
        ClientCertificate.nameOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
    if (role.isEmpty()) {
      String why = token == null ? "this node's admin API requires a token" : "the admin token is not valid on this node";
      log.warn("refused {} from {}: {}", call.getMethodDescriptor().getFullMethodName(),
          call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), why);
      call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Caller caller = role.get().isEmpty() ? Caller.OPERATOR : new Caller(role.get());
    return Contexts.interceptCall(Context.current().withValue(Caller.KEY, caller), call, headers, next);
  }
}
