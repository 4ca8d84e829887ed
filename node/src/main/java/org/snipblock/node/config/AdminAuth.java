package org.snipblock.node.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snipblock.node.tenant.TenantName;

/**
 * Who may call the admin API and read the HTTP port (the config file's {@code admin.auth}): tokens,
 * each with a role, and client certificates by name, each with a role: the operator's (everything)
 * or a tenant's (only its own volumes). A certificate counts only as {@code admin.tls.client-ca}
 * checked it in the handshake. Off, every caller is the operator.
 *
 * @param roles        by token: "" for the operator, else the tenant's name
 * @param certificates by the client certificate's name (its subject's CN): "" for the operator, else the tenant's
 */
public record AdminAuth(boolean on, Map<String, String> roles, Map<String, String> certificates) {
  public static final AdminAuth OFF = new AdminAuth(false, Map.of(), Map.of());
  /** Long enough that guessing is hopeless (a random 16-byte value in hex is 32). */
  public static final int MIN_TOKEN_CHARS = 16;

  public AdminAuth {
    roles = Map.copyOf(roles);
    certificates = Map.copyOf(certificates);
  }

  /** One configured token and its role text ({@code operator} or {@code tenant:NAME}). */
  public record Grant(String token, String role) {}

  /** One client certificate's name (its CN, as {@code certs init --client NAME} makes it) and its role text. */
  public record CertificateGrant(String name, String role) {}

  /** Tokens only. */
  public static AdminAuth of(List<Grant> grants) {
    return of(grants, List.of());
  }

  /**
   * @throws IllegalArgumentException one line naming the bad entry (never the token itself)
   */
  public static AdminAuth of(List<Grant> grants, List<CertificateGrant> certificateGrants) {
    if (grants.isEmpty() && certificateGrants.isEmpty()) {
      throw new IllegalArgumentException("tokens: give at least one (token and role), or certificates, or remove "
          + "admin.auth");
    }
    Map<String, String> roles = new LinkedHashMap<>();
    for (int i = 0; i < grants.size(); i++) {
      Grant g = grants.get(i);
      String where = "tokens[" + i + "]";
      if (g == null || g.token() == null || g.role() == null) {
        throw new IllegalArgumentException(where + ": needs both 'token' and 'role'");
      }
      if (g.token().length() < MIN_TOKEN_CHARS || !g.token().chars().allMatch(c -> c > 32 && c < 127)) {
        throw new IllegalArgumentException(where + ": a token is at least " + MIN_TOKEN_CHARS
            + " printable ASCII characters without spaces (e.g. openssl rand -hex 16)");
      }
      if (roles.put(g.token(), role(where, g.role())) != null) {
        throw new IllegalArgumentException(where + ": the same token is given twice");
      }
    }
    Map<String, String> certificates = new LinkedHashMap<>();
    for (int i = 0; i < certificateGrants.size(); i++) {
      CertificateGrant g = certificateGrants.get(i);
      String where = "certificates[" + i + "]";
      if (g == null || g.name() == null || g.role() == null) {
        throw new IllegalArgumentException(where + ": needs both 'name' and 'role'");
      }
      if (g.name().isBlank() || !g.name().chars().allMatch(c -> c >= 32 && c < 127)) {
        throw new IllegalArgumentException(where + ": name '" + g.name() + "' is not a certificate's name (its CN, "
            + "printable ASCII)");
      }
      if (certificates.put(g.name(), role(where, g.role())) != null) {
        throw new IllegalArgumentException(where + ": certificate name " + g.name() + " is given twice");
      }
    }
    return new AdminAuth(true, roles, certificates);
  }

  private static String role(String where, String role) {
    String r = role.trim();
    if (r.equals("operator")) {
      return "";
    }
    if (r.startsWith("tenant:")) {
      try {
        return TenantName.check(r.substring("tenant:".length()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": role '" + role + "': " + e.getMessage());
      }
    }
    throw new IllegalArgumentException(where + ": role must be operator or tenant:NAME, not '" + role + "'");
  }

  /** The token's role ("" the operator, else a tenant), or empty for a token not configured. */
  public Optional<String> roleOf(String token) {
    return token == null ? Optional.empty() : Optional.ofNullable(roles.get(token));
  }

  /**
   * The caller's role on either port: a token, when given, decides (an unknown one is refused
   * whatever the certificate); without one, the client certificate's name, when configured.
   *
   * @param certificate the name of the client certificate the handshake checked, null for none
   */
  public Optional<String> roleOf(String token, String certificate) {
    if (token != null || certificate == null) {
      return roleOf(token);
    }
    return Optional.ofNullable(certificates.get(certificate));
  }
}
