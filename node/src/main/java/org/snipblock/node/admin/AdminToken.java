package org.snipblock.node.admin;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

/** How an admin call carries its token ({@code authorization: Bearer TOKEN}, as HTTP does) and its TLS trust. */
public final class AdminToken {
  static final Metadata.Key<String> HEADER = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  static final String SCHEME = "Bearer ";

  private AdminToken() {}

  /** Adds the token to every call; none (null or empty) adds nothing. */
  static ClientInterceptor sending(String token) {
    Metadata headers = new Metadata();
    if (token != null && !token.isEmpty()) {
      headers.put(HEADER, SCHEME + token);
    }
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  /** Plaintext, or TLS as {@code tls} says (a node of a cluster made with {@code certs init}). */
  static ChannelCredentials credentials(ClientTls tls) {
    return tls == null ? InsecureChannelCredentials.create() : tls.credentials();
  }

  /** The token a call carries, or null. */
  static String of(Metadata headers) {
    return bearer(headers.get(HEADER));
  }

  /**
   * The token in an {@code authorization} value ({@code Bearer TOKEN}; gRPC metadata or an HTTP
   * header, whose scheme names are case-insensitive), or null.
   */
  public static String bearer(String authorization) {
    return authorization != null && authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
        ? authorization.substring(SCHEME.length()).trim() : null;
  }
}
