package org.snipblock.node.tenant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.snipblock.node.config.ByteSize;

/**
 * A tenant's quotas: how many volumes, how many provisioned bytes, and the ceilings its volumes'
 * I/O limits must fit under (the sum of their IOPS and bytes/s limits). 0 = unlimited. One text
 * form for the wire, the store and the operator: {@code max-volumes=3,max-bytes=10G,max-iops=1000,max-bps=100M}.
 */
public record TenantLimits(long maxVolumes, long maxBytes, long maxIops, long maxBps) {
  public static final TenantLimits NONE = new TenantLimits(0, 0, 0, 0);
  private static final Pattern NUMBER = Pattern.compile("\\d{1,15}");
  private static final List<String> KEYS = List.of("max-volumes", "max-bytes", "max-iops", "max-bps");

  /**
   * These limits with the ones named in {@code text} changed; "" changes nothing, a value of 0 or
   * "none" lifts that limit.
   *
   * @throws IllegalArgumentException one line naming the bad entry
   */
  public TenantLimits with(String text) {
    Map<String, Long> v = new LinkedHashMap<>(values());
    String t = text == null ? "" : text.trim();
    if (t.isEmpty()) {
      return this;
    }
    if (t.equalsIgnoreCase("none")) {
      return NONE;
    }
    for (String entry : t.split(",", -1)) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("invalid tenant limit '" + entry.trim() + "': expected KEY=VALUE with KEY one of "
            + String.join(", ", KEYS));
      }
      String key = entry.substring(0, eq).trim();
      String value = entry.substring(eq + 1).trim();
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown tenant limit '" + key + "': use " + String.join(", ", KEYS));
      }
      v.put(key, value(key, value));
    }
    return new TenantLimits(v.get("max-volumes"), v.get("max-bytes"), v.get("max-iops"), v.get("max-bps"));
  }

  public static TenantLimits parse(String text) {
    return NONE.with(text);
  }

  private static long value(String key, String value) {
    if (value.equalsIgnoreCase("none")) {
      return 0;
    }
    if (key.equals("max-bytes") || key.equals("max-bps")) {
      try {
        return ByteSize.parse(value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid " + key + " '" + value + "': " + e.getMessage());
      }
    }
    if (!NUMBER.matcher(value).matches()) {
      throw new IllegalArgumentException("invalid " + key + " '" + value + "': expected a whole number (0 or none: unlimited)");
    }
    return Long.parseLong(value);
  }

  private Map<String, Long> values() {
    Map<String, Long> v = new LinkedHashMap<>();
    v.put("max-volumes", maxVolumes);
    v.put("max-bytes", maxBytes);
    v.put("max-iops", maxIops);
    v.put("max-bps", maxBps);
    return v;
  }

  /** Canonical text (bytes in bytes), only the limits set; "none" when there are none. */
  public String text() {
    List<String> parts = new ArrayList<>();
    values().forEach((k, n) -> {
      if (n > 0) {
        parts.add(k + "=" + n);
      }
    });
    return parts.isEmpty() ? "none" : String.join(",", parts);
  }
}
