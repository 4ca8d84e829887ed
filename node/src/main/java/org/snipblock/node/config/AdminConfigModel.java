package org.snipblock.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.snipblock.node.OperatorError;

/**
 * The config file's {@code admin:} section, as Jackson binds it: {@code auth: tokens: [{token: ...,
 * role: operator | tenant:NAME}], certificates: [{name: CN, role: ...}]} and {@code tls: {certificate: FILE, key: FILE, client-ca: FILE}} (client-ca
 * optional).
 */
final class AdminConfigModel {
  @JsonProperty("auth") AuthModel auth;
  @JsonProperty("tls") AdminTlsModel tls;

  AdminTls toTls(Path origin) {
    if (tls == null) {
      return null;
    }
    String where = "config file " + origin + ": admin.tls";
    if (tls.certificate == null || tls.key == null) {
      throw new OperatorError(where + " needs both 'certificate' and 'key'");
    }
    AdminTls checked = new AdminTls(ConfigValues.readable(origin, where, "certificate", tls.certificate),
        ConfigValues.readable(origin, where, "key", tls.key),
        ConfigValues.readable(origin, where, "client-ca", tls.clientCa));
    try {
      checked.check();
    } catch (IllegalArgumentException e) {
      throw new OperatorError("config file " + origin + ": " + e.getMessage(), e);
    }
    return checked;
  }

  AdminAuth toAuth(Path origin) {
    if (auth == null) {
      return null;
    }
    List<CertificateModel> certificates = auth.certificates == null ? List.of() : auth.certificates;
    if (!certificates.isEmpty() && (tls == null || tls.clientCa == null)) {
      throw new OperatorError("config file " + origin + ": admin.auth.certificates needs admin.tls with client-ca "
          + "(only a certificate the handshake checked names a caller)");
    }
    try {
      return AdminAuth.of((auth.tokens == null ? List.<TokenModel>of() : auth.tokens).stream()
          .map(t -> t == null ? null : new AdminAuth.Grant(t.token, t.role)).toList(),
          certificates.stream().map(c -> c == null ? null : new AdminAuth.CertificateGrant(c.name, c.role)).toList());
    } catch (IllegalArgumentException e) {
      throw new OperatorError("config file " + origin + ": admin.auth." + e.getMessage());
    }
  }

  static final class AdminTlsModel {
    @JsonProperty("certificate") String certificate;
    @JsonProperty("key") String key;
    @JsonProperty("client-ca") String clientCa;
  }

  static final class AuthModel {
    @JsonProperty("tokens") List<TokenModel> tokens = new ArrayList<>();
    @JsonProperty("certificates") List<CertificateModel> certificates = new ArrayList<>();
  }

  static final class CertificateModel {
    @JsonProperty("name") String name;
    @JsonProperty("role") String role;
  }

  static final class TokenModel {
    @JsonProperty("token") String token;
    @JsonProperty("role") String role;
  }
}
