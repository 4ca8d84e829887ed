package org.snipblock.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.snipblock.nbd.ExportPolicy;
import org.snipblock.nbd.TlsMode;
import org.snipblock.node.OperatorError;

/** The config file's {@code nbd:} section: TLS and per-export policies. */
final class NbdConfigModel {
  @JsonProperty("tls") String tls;
  @JsonProperty("certificate") String certificate;
  @JsonProperty("key") String key;
  @JsonProperty("ca") String ca;
  @JsonProperty("exports") Map<String, ExportModel> exports = new LinkedHashMap<>();

  NbdSecurity toSecurity(Path origin) {
    String where = "config file " + origin + ": nbd";
    TlsMode mode = tlsMode(where);
    if (mode != TlsMode.OFF && (certificate == null || key == null)) {
      throw new OperatorError(where + ": tls " + tls + " needs both 'certificate' and 'key'");
    }
    Map<String, ExportPolicy> policies = new LinkedHashMap<>();
    (exports == null ? Map.<String, ExportModel>of() : exports).forEach((name, e) -> {
      String at = where + ".exports." + name;
      if (e == null) {
        throw new OperatorError(at + " is empty");
      }
      policies.put(name, ConfigValues.value(at, e::toPolicy));
    });
    return new NbdSecurity(mode, ConfigValues.readable(origin, where, "certificate", certificate),
        ConfigValues.readable(origin, where, "key", key), ConfigValues.readable(origin, where, "ca", ca), policies);
  }

  /** YAML 1.1 reads a bare {@code off} as false, so that spelling is accepted too. */
  private TlsMode tlsMode(String where) {
    if (tls == null) {
      return TlsMode.OFF;
    }
    return switch (tls.trim().toLowerCase(Locale.ROOT)) {
      case "off", "false" -> TlsMode.OFF;
      case "allowed" -> TlsMode.ALLOWED;
      case "required" -> TlsMode.REQUIRED;
      default -> throw new OperatorError(where + ": tls must be off, allowed or required, not '" + tls + "'");
    };
  }

  /** One export's entry under {@code nbd.exports}. */
  static final class ExportModel {
    @JsonProperty("read-only") boolean readOnly;
    @JsonProperty("allowed-addresses") List<String> allowedAddresses = new ArrayList<>();
    @JsonProperty("allowed-certificate-names") List<String> allowedCertificateNames = new ArrayList<>();
    @JsonProperty("description") String description;

    /** @throws IllegalArgumentException naming the bad value */
    ExportPolicy toPolicy() {
      return new ExportPolicy(readOnly, ConfigValues.entries("allowed-addresses", allowedAddresses),
          ConfigValues.entries("allowed-certificate-names", allowedCertificateNames), description);
    }
  }
}
