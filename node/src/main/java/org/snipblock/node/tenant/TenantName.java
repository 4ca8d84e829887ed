package org.snipblock.node.tenant;

import java.util.regex.Pattern;

/** The rule for tenant names: short, lower case, safe in a metric label, a record key and a token role. */
public final class TenantName {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  private TenantName() {}

  /** @throws IllegalArgumentException one line naming the bad name */
  public static String check(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid tenant name '" + name + "': 1-63 characters of a-z 0-9 . _ -,"
          + " starting with a letter or digit");
    }
    return name;
  }
}
