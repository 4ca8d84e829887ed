package org.snipblock.node.admin;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

/** How an admin call carries its token: {@code authorization: Bearer TOKEN}, as HTTP does. */
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

  /** The token a call carries, or null. */
  static String of(Metadata headers) {
    String v = headers.get(HEADER);
    return v != null && v.startsWith(SCHEME) ? v.substring(SCHEME.length()).trim() : null;
  }
}
