package org.snipblock.iscsi.session;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.iscsi.IscsiTargetConfig;
import org.snipblock.iscsi.TargetAccess;
import org.snipblock.iscsi.scsi.LogicalUnit;

/**
 * What every connection of one target node shares: configuration, the catalog of devices, the
 * one logical unit per device (reservations live there, so all sessions must see the same one)
 * and the session registry.
 */
public final class TargetContext {
  /** This target has a single portal group. */
  public static final int PORTAL_GROUP_TAG = 1;

  private final IscsiTargetConfig config;
  private final BlockDeviceCatalog catalog;
  private final SessionRegistry sessions = new SessionRegistry();
  private final Map<String, LogicalUnit> units = new ConcurrentHashMap<>();
  private volatile String portal = "127.0.0.1:3260";

  private final Executor opener;

  /**
   * @param opener runs catalog opens and logical unit construction, which may block (a
   *               replicated volume has to find its replicas); never an event loop
   */
  public TargetContext(IscsiTargetConfig config, BlockDeviceCatalog catalog, Executor opener) {
    this.config = config;
    this.catalog = catalog;
    this.opener = opener;
  }

  /** A context that opens devices in the calling thread (tests on an embedded channel). */
  public TargetContext(IscsiTargetConfig config, BlockDeviceCatalog catalog) {
    this(config, catalog, Runnable::run);
  }

  public IscsiTargetConfig config() {
    return config;
  }

  public SessionRegistry sessions() {
    return sessions;
  }

  /** "host:port" as SendTargets reports it. */
  public String portal() {
    return portal;
  }

  public void portal(String portal) {
    this.portal = portal;
  }

  public String targetName(String deviceName) {
    return config.targetNamePrefix() + deviceName;
  }

  /** Every target name served now, sorted like the catalog. */
  public List<String> targetNames() {
    return catalog.names().stream().map(this::targetName).toList();
  }

  /** True if the target name names a device of the catalog. */
  public boolean exists(String targetName) {
    String device = config.deviceName(targetName);
    return device != null && catalog.names().contains(device);
  }

  public TargetAccess access(String targetName) {
    String device = config.deviceName(targetName);
    TargetAccess access = device == null ? null : config.access().apply(device);
    return access == null ? TargetAccess.OPEN : access;
  }

  /** The shared logical unit of a target, created on first use; empty if no such device. */
  public Optional<LogicalUnit> logicalUnit(String targetName) {
    String device = config.deviceName(targetName);
    if (device == null) {
      return Optional.empty();
    }
    // Opened once per device for the life of the target; the catalog owner closes devices.
    return Optional.ofNullable(units.computeIfAbsent(device,
        d -> catalog.open(d).map(config.logicalUnitFactory()).orElse(null)));
  }

  /** As {@link #logicalUnit}, without blocking the caller when the unit must be created. */
  public CompletableFuture<Optional<LogicalUnit>> logicalUnitAsync(String targetName) {
    String device = config.deviceName(targetName);
    LogicalUnit existing = device == null ? null : units.get(device);
    if (existing != null) {
      return CompletableFuture.completedFuture(Optional.of(existing));
    }
    return CompletableFuture.supplyAsync(() -> logicalUnit(targetName), opener);
  }

  /** Closes every logical unit (the devices behind them are the catalog owner's to close). */
  public void closeUnits() {
    units.values().forEach(LogicalUnit::close);
    units.clear();
  }
}
