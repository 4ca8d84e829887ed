package org.snipblock.node.admin;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.snipblock.node.admin.v1.TenantUsage;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.node.tenant.TenantBook;
import org.snipblock.node.tenant.TenantQuotas;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;
import org.snipblock.store.qos.QosLimits;
import org.snipblock.store.qos.ThrottleBucket;

/**
 * What a tenant's volumes hold and served: for the quota checks (counting volumes being created
 * right now on this node, so two concurrent creates cannot both fit in the last slot) and for metering.
 */
public final class TenantAccounts {
  private final TenantBook book;
  private final VolumeManager volumes;
  private final Function<String, QosLimits> limitsOf;
  private final Function<String, VolumeIo> io;
  /** Volumes allowed but not created yet, with their size. */
  private final Map<String, Long> pending = new ConcurrentHashMap<>();

  /**
   * @param limitsOf a volume's own I/O limits (none when it has none)
   * @param io       the I/O a volume served through this node's doors
   */
  public TenantAccounts(TenantBook book, VolumeManager volumes, Function<String, QosLimits> limitsOf,
      Function<String, VolumeIo> io) {
    this.book = book;
    this.volumes = volumes;
    this.limitsOf = limitsOf;
    this.io = io;
  }

  public TenantBook book() {
    return book;
  }

  Optional<VolumeInfo> volume(String name) {
    return volumes.show(name);
  }

  void reserve(String volume, long size) {
    pending.put(volume, size);
  }

  void unreserve(String volume) {
    pending.remove(volume);
  }

  /** The tenant's volumes (pending ones included), their provisioned bytes and limits. */
  TenantQuotas.Usage quotaUsage(String tenant) {
    List<String> owned = book.volumesOf(tenant);
    long bytes = 0;
    Map<String, QosLimits> limits = new HashMap<>();
    for (String v : owned) {
      Long p = pending.get(v);
      bytes += p != null ? p : volumes.show(v).map(VolumeInfo::provisionedBytes).orElse(0L);
      limits.put(v, p != null ? QosLimits.none() : limitsOf.apply(v));
    }
    return new TenantQuotas.Usage(owned.size(), bytes, limits);
  }

  QosLimits limitsOf(String volume) {
    return limitsOf.apply(volume);
  }

  /** The tenant's usage now. */
  public TenantUsage usage(String tenant) {
    TenantUsage.Builder b = TenantUsage.newBuilder();
    long iops = 0;
    long bps = 0;
    for (String v : book.volumesOf(tenant)) {
      Optional<VolumeInfo> info = volumes.show(v);
      if (info.isEmpty()) {
        continue;
      }
      b.setVolumes(b.getVolumes() + 1).setProvisionedBytes(b.getProvisionedBytes() + info.get().provisionedBytes())
          .setUsedBytes(b.getUsedBytes() + info.get().usedBytes());
      VolumeIo served = io.apply(v);
      b.setReads(b.getReads() + served.getReads()).setWrites(b.getWrites() + served.getWrites())
          .setReadBytes(b.getReadBytes() + served.getReadBytes())
          .setWrittenBytes(b.getWrittenBytes() + served.getWrittenBytes());
      QosLimits l = limitsOf.apply(v);
      iops = add(iops, org.snipblock.node.tenant.TenantQuotas.rate(l, ThrottleBucket.IOPS_TOTAL,
          ThrottleBucket.IOPS_READ, ThrottleBucket.IOPS_WRITE));
      bps = add(bps, org.snipblock.node.tenant.TenantQuotas.rate(l, ThrottleBucket.BPS_TOTAL,
          ThrottleBucket.BPS_READ, ThrottleBucket.BPS_WRITE));
    }
    return b.setIopsLimits(iops).setBpsLimits(bps).build();
  }

  private static long add(long sum, long rate) {
    return sum < 0 || rate < 0 ? -1 : sum + rate;
  }
}
