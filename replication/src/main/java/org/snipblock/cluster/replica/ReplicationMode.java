package org.snipblock.cluster.replica;

import java.util.Locale;

/** When a write is acknowledged: after the write quorum holds it (SYNC) or after the local copy (ASYNC). */
public enum ReplicationMode {
  SYNC, ASYNC;

  public static ReplicationMode parse(String text) {
    if (text != null) {
      for (ReplicationMode m : values()) {
        if (m.name().equalsIgnoreCase(text.trim())) {
          return m;
        }
      }
    }
    throw new IllegalArgumentException("unknown replication mode '" + text + "': expected sync|async");
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
