package org.snipblock.nbd;

import java.util.Map;

/** Looks up the policy of an export by name; asked at every connection, so it may change live. */
@FunctionalInterface
public interface ExportPolicies {

  ExportPolicy forExport(String exportName);

  /** Every export writable and open to everyone. */
  static ExportPolicies open() {
    return name -> ExportPolicy.OPEN;
  }

  /** Fixed policies by name; exports not named get {@code fallback}. */
  static ExportPolicies of(Map<String, ExportPolicy> byName, ExportPolicy fallback) {
    Map<String, ExportPolicy> copy = Map.copyOf(byName);
    return name -> copy.getOrDefault(name, fallback);
  }
}
