package org.snipblock.node.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.DaemonThreads;
import org.snipblock.cluster.ClusterNode;
import org.snipblock.node.admin.AdminTenancy;
import org.snipblock.node.admin.v1.VolumeIo;
import org.snipblock.node.usage.UsageHours;
import org.snipblock.node.usage.UsageSources;
import org.snipblock.store.VolumeInfo;
import org.snipblock.store.VolumeManager;

/**
 * Runs the node's hourly metering ({@link UsageHours}): a tick every {@link UsageHours#TICK} and a
 * last one when the node stops, over the usage ledger's I/O totals and the volumes this node bills.
 */
final class UsageMetering implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UsageMetering.class);

  private final UsageHours hours;
  private final Clock clock;
  private final ScheduledExecutorService ticker;

  private UsageMetering(UsageHours hours, Clock clock) {
    this.hours = hours;
    this.clock = clock;
    ticker = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("snipblock-usage-hours"));
    long every = UsageHours.TICK.toMillis();
    ticker.scheduleWithFixedDelay(this::tickQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  /** @throws org.snipblock.node.OperatorError when the files in {@code dataDir} cannot be read */
  static UsageMetering start(Path dataDir, UsageLedger ledger, VolumeManager volumes, ClusterNode cluster,
      AdminTenancy tenancy) {
    Clock clock = Clock.systemUTC();
    return new UsageMetering(UsageHours.open(dataDir, sources(ledger, volumes, cluster, tenancy), clock.instant()), clock);
  }

  private static UsageSources sources(UsageLedger ledger, VolumeManager volumes, ClusterNode cluster,
      AdminTenancy tenancy) {
    return new UsageSources() {
      @Override
      public Set<String> metered() {
        return ledger.metered();
      }

      @Override
      public VolumeIo io(String volume) {
        return ledger.clientIo(volume);
      }

      @Override
      public Optional<VolumeInfo> info(String volume) {
        return volumes.show(volume);
      }

      @Override
      public List<VolumeInfo> heldHere() {
        List<VolumeInfo> all = volumes.list();
        return cluster == null ? all : all.stream().filter(v -> cluster.volumes().describe(v.name())
            .map(c -> c.primary().equals(cluster.nodeId())).orElse(false)).toList();
      }

      @Override
      public String tenantOf(String volume) {
        return tenancy == null ? "" : tenancy.accounts().book().ownerOf(volume).orElse("");
      }
    };
  }

  UsageHours hours() {
    return hours;
  }

  private void tickQuietly() {
    try {
      hours.tick(clock.instant());
    } catch (IOException | RuntimeException e) {
      // The counts stay in memory and the next tick saves them again; a failed append is retried with its hour.
      log.warn("cannot save the hourly usage: {}", e.toString());
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    tickQuietly();
  }
}
