package org.snipblock.cluster.topology;

import java.util.Locale;

/**
 * The levels at which hardware fails together, from smallest to largest. Copies of a snippet
 * "spread" at a level live in distinct domains of that level (and therefore of every level below).
 */
public enum FailureDomain {
  HOST, RACK, COMPARTMENT, SITE;

  /** Parses the operator's word (host|rack|compartment|site), case-insensitively. */
  public static FailureDomain parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("spread level missing: expected host|rack|compartment|site");
    }
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown spread level '" + text + "': expected host|rack|compartment|site");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
