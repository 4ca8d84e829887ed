package org.snipblock.node.tenant;

import java.util.Map;
import org.snipblock.store.qos.BucketLimit;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.ThrottleBucket;

/**
 * The quota checks, each a refusal with one line naming the quota and what is used: volumes,
 * provisioned bytes, and the I/O ceilings. A ceiling caps the sum of the tenant's volumes' limits
 * (admission, not a shared budget: a volume's own limit stays what it was promised), so under a
 * ceiling every volume needs a limit of that kind: total, or read and write both.
 */
public final class TenantQuotas {
  private TenantQuotas() {}

  /** What a tenant's volumes hold now (the volume being changed included as it is). */
  public record Usage(long volumes, long bytes, Map<String, QosLimits> limits) {}

  /** A quota refusal; the message is the one line for the operator. */
  public static final class Exceeded extends RuntimeException {
    Exceeded(String message) {
      super(message);
    }
  }

  /** Adding a volume of {@code size} bytes with {@code limits} (none: unlimited). */
  public static void checkNewVolume(String tenant, TenantLimits q, Usage u, long size, QosLimits limits) {
    if (q.maxVolumes() > 0 && u.volumes() + 1 > q.maxVolumes()) {
      throw new Exceeded("tenant " + tenant + ": " + u.volumes() + " of " + q.maxVolumes() + " volumes used");
    }
    checkBytes(tenant, q, u.bytes(), size);
    checkCeilings(tenant, q, u.limits(), null, limits);
  }

  /** Growing a volume from {@code oldSize} to {@code newSize} bytes. */
  public static void checkResize(String tenant, TenantLimits q, Usage u, long oldSize, long newSize) {
    checkBytes(tenant, q, u.bytes() - oldSize, newSize);
  }

  /** Giving {@code volume} new limits. */
  public static void checkLimits(String tenant, TenantLimits q, Usage u, String volume, QosLimits limits) {
    checkCeilings(tenant, q, u.limits(), volume, limits);
  }

  /**
   * New ceilings must hold for the volumes as they are: each has a limit of the kind and the sum fits
   * (count and bytes quotas may drop below what is used: they only stop growth).
   */
  public static void checkNewCeilings(String tenant, TenantLimits q, Usage u) {
    holds(tenant, "max-iops", "IOPS", q.maxIops(), u.limits(), ThrottleBucket.IOPS_TOTAL, ThrottleBucket.IOPS_READ,
        ThrottleBucket.IOPS_WRITE);
    holds(tenant, "max-bps", "bytes/s", q.maxBps(), u.limits(), ThrottleBucket.BPS_TOTAL, ThrottleBucket.BPS_READ,
        ThrottleBucket.BPS_WRITE);
  }

  private static void holds(String tenant, String key, String unit, long ceiling, Map<String, QosLimits> all,
      ThrottleBucket total, ThrottleBucket read, ThrottleBucket write) {
    if (ceiling <= 0) {
      return;
    }
    java.util.List<String> unlimited = new java.util.ArrayList<>();
    long sum = 0;
    for (Map.Entry<String, QosLimits> e : new java.util.TreeMap<>(all).entrySet()) {
      long r = rate(e.getValue(), total, read, write);
      if (r < 0) {
        unlimited.add(e.getKey());
      } else {
        sum += r;
      }
    }
    if (!unlimited.isEmpty()) {
      throw new Exceeded("tenant " + tenant + ": " + String.join(", ", unlimited) + " ha" + (unlimited.size() == 1 ? "s" : "ve")
          + " no " + unit + " limit; give " + (unlimited.size() == 1 ? "it" : "them") + " one before setting " + key);
    }
    if (sum > ceiling) {
      throw new Exceeded("tenant " + tenant + ": its volumes' limits add up to " + sum + " " + unit + ", more than "
          + key + "=" + ceiling);
    }
  }

  private static void checkBytes(String tenant, TenantLimits q, long usedOthers, long size) {
    if (q.maxBytes() > 0 && usedOthers + size > q.maxBytes()) {
      throw new Exceeded("tenant " + tenant + ": " + usedOthers + " of " + q.maxBytes() + " bytes provisioned, "
          + size + " more would exceed max-bytes");
    }
  }

  private static void checkCeilings(String tenant, TenantLimits q, Map<String, QosLimits> all, String volume,
      QosLimits limits) {
    check(tenant, "max-iops", "IOPS", q.maxIops(), all, volume, limits, ThrottleBucket.IOPS_TOTAL,
        ThrottleBucket.IOPS_READ, ThrottleBucket.IOPS_WRITE);
    check(tenant, "max-bps", "bytes/s", q.maxBps(), all, volume, limits, ThrottleBucket.BPS_TOTAL,
        ThrottleBucket.BPS_READ, ThrottleBucket.BPS_WRITE);
  }

  private static void check(String tenant, String key, String unit, long ceiling, Map<String, QosLimits> all,
      String volume, QosLimits limits, ThrottleBucket total, ThrottleBucket read, ThrottleBucket write) {
    if (ceiling <= 0) {
      return;
    }
    long mine = rate(limits, total, read, write);
    if (mine < 0) {
      throw new Exceeded("tenant " + tenant + " has " + key + "=" + ceiling + ": give the volume a limit within it ("
          + total.key() + "=N, or " + read.key() + " and " + write.key() + ")");
    }
    long others = 0;
    for (Map.Entry<String, QosLimits> e : all.entrySet()) {
      if (!e.getKey().equals(volume)) {
        // A volume without a limit under a ceiling can only predate the ceiling: it counts as the whole ceiling.
        long r = rate(e.getValue(), total, read, write);
        others += r < 0 ? ceiling : r;
      }
    }
    if (others + mine > ceiling) {
      throw new Exceeded("tenant " + tenant + ": " + others + " of " + ceiling + " " + unit + " (" + key
          + ") given to other volumes, " + mine + " more would exceed it");
    }
  }

  /** The volume's average rate of the unit: the total limit, or read + write; -1 for unlimited. */
  public static long rate(QosLimits l, ThrottleBucket total, ThrottleBucket read, ThrottleBucket write) {
    BucketLimit t = l.get(total);
    if (t != null) {
      return t.average();
    }
    BucketLimit r = l.get(read);
    BucketLimit w = l.get(write);
    return r != null && w != null ? r.average() + w.average() : -1;
  }
}
