package org.snipblock.store.qos;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A volume's I/O limits in QEMU's throttling vocabulary: per bucket ({@link ThrottleBucket}) an
 * average rate, optionally a burst rate ({@code -max}) and how long it may last
 * ({@code -max-length}, whole seconds). Parsed from and printed as the operator writes them,
 * {@code iops-total=2000,bps-write=50M,iops-total-max=4000,iops-total-max-length=10s}; {@code none}
 * (or the empty text) means no limits. Byte rates take binary units (K, M, G, T: 50M = 50 MiB/s).
 *
 * <p>The rules are QEMU's ({@code throttle_is_valid}): a burst needs its average and may not be
 * below it, a burst length needs a burst, and a total may not be combined with the read or write
 * limit of the same unit.
 */
public final class QosLimits {
  private static final QosLimits NONE = new QosLimits(new EnumMap<>(ThrottleBucket.class));
  private static final Pattern ENTRY = Pattern.compile("([a-z-]+)=(.*)");
  private static final Pattern NUMBER = Pattern.compile("(-?\\d+)([KMGT]?)(?:I?B)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern SECONDS = Pattern.compile("(-?\\d+)([sm]?)");
  /** QEMU's upper bound on any rate (THROTTLE_VALUE_MAX), so every limit here is one QEMU accepts. */
  private static final long VALUE_MAX = 1_000_000_000_000_000L;

  private final Map<ThrottleBucket, BucketLimit> limits;

  private QosLimits(EnumMap<ThrottleBucket, BucketLimit> limits) {
    this.limits = Collections.unmodifiableMap(limits);
  }

  public static QosLimits none() {
    return NONE;
  }

  /**
   * Parses the operator's text.
   *
   * @throws IllegalArgumentException with one line fit for the operator
   */
  public static QosLimits parse(String text) {
    String t = text == null ? "" : text.trim();
    if (t.isEmpty() || t.equalsIgnoreCase("none")) {
      return NONE;
    }
    EnumMap<ThrottleBucket, long[]> raw = new EnumMap<>(ThrottleBucket.class); // average, burst, length (-1 = unset)
    for (String part : t.split(",", -1)) {
      Matcher m = ENTRY.matcher(part.trim());
      if (!m.matches()) {
        throw invalid("'" + part.trim() + "' is not KEY=VALUE");
      }
      String key = m.group(1);
      String value = m.group(2).trim();
      ThrottleBucket bucket = bucketOf(key);
      int slot = key.endsWith("-max-length") ? 2 : key.endsWith("-max") ? 1 : 0;
      long[] v = raw.computeIfAbsent(bucket, b -> new long[] {-1, -1, -1});
      if (v[slot] != -1) {
        throw invalid(key + " is given twice");
      }
      v[slot] = slot == 2 ? seconds(key, value) : rate(key, value, bucket.bytes());
    }
    EnumMap<ThrottleBucket, BucketLimit> out = new EnumMap<>(ThrottleBucket.class);
    raw.forEach((bucket, v) -> {
      long average = Math.max(v[0], 0);
      long burst = Math.max(v[1], 0);
      if (v[2] != -1 && burst == 0) {
        throw invalid(bucket.key() + "-max-length needs " + bucket.key() + "-max");
      }
      if (burst > 0 && average == 0) {
        throw invalid(bucket.key() + "-max needs " + bucket.key());
      }
      if (burst > 0 && burst < average) {
        throw invalid(bucket.key() + "-max (" + burst + ") is below " + bucket.key() + " (" + average + ")");
      }
      if (average > 0) {
        out.put(bucket, new BucketLimit(average, burst, v[2] == -1 ? 1 : v[2]));
      }
    });
    for (ThrottleBucket b : out.keySet()) {
      if (b != b.total() && out.containsKey(b.total())) {
        throw invalid(b.total().key() + " cannot be combined with " + b.key() + " (as in QEMU): use either the"
            + " total or the read and write limits");
      }
    }
    return out.isEmpty() ? NONE : new QosLimits(out);
  }

  private static ThrottleBucket bucketOf(String key) {
    String base = key.replaceFirst("-max(-length)?$", "");
    for (ThrottleBucket b : ThrottleBucket.values()) {
      if (b.key().equals(base)) {
        return b;
      }
    }
    throw invalid("unknown key '" + key + "' (known: iops-total, iops-read, iops-write, bps-total, bps-read,"
        + " bps-write, each also with -max and -max-length)");
  }

  private static long rate(String key, String value, boolean bytes) {
    Matcher m = NUMBER.matcher(value);
    if (!m.matches() || (!bytes && !m.group(2).isEmpty()) || (!bytes && value.length() != m.group(1).length())) {
      throw invalid(key + "=" + value + ": expected " + (bytes
          ? "bytes per second, a whole number with an optional K, M, G or T (50M)"
          : "operations per second, a whole number"));
    }
    long n = number(key, value, m.group(1));
    int shift = m.group(2).isEmpty() ? 0 : 10 * ("KMGT".indexOf(m.group(2).toUpperCase(Locale.ROOT)) + 1);
    if (n > (VALUE_MAX >> shift)) {
      throw invalid(key + "=" + value + " is too large (at most " + VALUE_MAX + ")");
    }
    return n << shift;
  }

  private static long seconds(String key, String value) {
    Matcher m = SECONDS.matcher(value);
    if (!m.matches()) {
      throw invalid(key + "=" + value + ": expected whole seconds (10, 10s or 2m)");
    }
    long n = number(key, value, m.group(1));
    if (n == 0) {
      throw invalid(key + "=" + value + ": a burst lasts at least 1 s");
    }
    long s = m.group(2).equals("m") ? n * 60 : n;
    if (s > 86_400) {
      throw invalid(key + "=" + value + " is too long (at most a day)");
    }
    return s;
  }

  private static long number(String key, String value, String digits) {
    long n;
    try {
      n = Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw invalid(key + "=" + value + " is too large");
    }
    if (n < 0) {
      throw invalid(key + "=" + value + " is negative");
    }
    return n;
  }

  private static IllegalArgumentException invalid(String why) {
    return new IllegalArgumentException("invalid --qos: " + why);
  }

  /** True if nothing is limited. */
  public boolean isNone() {
    return limits.isEmpty();
  }

  /** The bucket's limit, or null if it has none. */
  public BucketLimit get(ThrottleBucket bucket) {
    return limits.get(bucket);
  }

  /** Every limited bucket with its limit. */
  public Map<ThrottleBucket, BucketLimit> buckets() {
    return limits;
  }

  /**
   * These limits times {@code fraction} (one node's share of a group's budget, 0..1): every rate
   * at least 1 per second, a burst never below its average, burst lengths kept.
   */
  public QosLimits scaled(double fraction) {
    if (isNone() || fraction >= 1) {
      return this;
    }
    EnumMap<ThrottleBucket, BucketLimit> out = new EnumMap<>(ThrottleBucket.class);
    limits.forEach((b, l) -> {
      long average = Math.max(1, Math.round(l.average() * fraction));
      long burst = l.burst() == 0 ? 0 : Math.max(average, Math.round(l.burst() * fraction));
      out.put(b, new BucketLimit(average, burst, l.burstSeconds()));
    });
    return new QosLimits(out);
  }

  /** True if a bucket limits operations per second (the others limit bytes). */
  public boolean limitsOperations() {
    return limits.keySet().stream().anyMatch(b -> b.key().startsWith("iops"));
  }

  /** The canonical text ({@code none} when unlimited): byte rates in bytes, lengths in seconds; parses back to an equal value. */
  public String text() {
    if (limits.isEmpty()) {
      return "none";
    }
    StringJoiner out = new StringJoiner(",");
    limits.forEach((b, l) -> {
      out.add(b.key() + "=" + l.average());
      if (l.burst() > 0) {
        out.add(b.key() + "-max=" + l.burst());
        out.add(b.key() + "-max-length=" + l.burstSeconds());
      }
    });
    return out.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QosLimits q && q.limits.equals(limits);
  }

  @Override
  public int hashCode() {
    return limits.hashCode();
  }

  @Override
  public String toString() {
    return text();
  }
}
