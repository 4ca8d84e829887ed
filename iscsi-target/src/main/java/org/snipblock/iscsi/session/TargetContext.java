package org.snipblock.iscsi.session;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceCatalog;
import org.snipblock.iscsi.IscsiTargetConfig;
import org.snipblock.iscsi.TargetAccess;
import org.snipblock.iscsi.alua.Portal;
import org.snipblock.iscsi.scsi.LogicalUnit;

/**
 * What every connection of one target node shares: configuration, the catalog of devices, the
 * one logical unit per volume (reservations live there, so all sessions must see the same one)
 * and the session registry. A unit holds a device handle only while logins hold the unit.
 */
public final class TargetContext {
  private static final Logger log = LoggerFactory.getLogger(TargetContext.class);

  private final IscsiTargetConfig config;
  private final BlockDeviceCatalog catalog;
  private final SessionRegistry sessions = new SessionRegistry(this::sessionEnded);
  private final Map<String, Unit> units = new ConcurrentHashMap<>();
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

  /**
   * This target's portal group tag, which logins are answered with and which names the target
   * port of every nexus through this portal; 0 while not known yet.
   */
  public int portalGroupTag() {
    return config.portGroups().localTag();
  }

  /** SendTargets' TargetAddress values for a target: every portal serving it, nearest first. */
  public List<String> targetAddresses(String targetName) {
    String device = config.deviceName(targetName);
    return config.portGroups().portals(device, portal).stream().map(Portal::targetAddress).toList();
  }

  public String targetName(String deviceName) {
    return config.targetName(deviceName);
  }

  /** Every target name served now, sorted like the catalog. */
  public List<String> targetNames() {
    return catalog.names().stream().map(this::targetName).toList();
  }

  /** True if the target name names a device of the catalog. */
  public boolean exists(String targetName) {
    String device = config.deviceName(targetName);
    if (device == null) {
      return false;
    }
    if (catalog.names().contains(device)) {
      return true;
    }
    if (device.indexOf('@') < 0) {
      return false;
    }
    // Snapshots are not listed, but are served when named.
    Optional<BlockDevice> d = catalog.open(device);
    d.ifPresent(BlockDevice::close);
    return d.isPresent();
  }

  /** See {@link BlockDeviceCatalog#catchUp}: null where the catalog never lags behind. */
  public java.util.concurrent.CompletableFuture<Void> catalogCatchUp() {
    return catalog.catchUp();
  }

  public TargetAccess access(String targetName) {
    String device = config.deviceName(targetName);
    TargetAccess access = device == null ? null : config.access().apply(device);
    return access == null ? TargetAccess.OPEN : access;
  }

  /**
   * The logical unit of a device, which volume it was made for, its handle, and how many logins
   * hold it (sessions, and logins not yet finished): the handle is closed when the last lets go.
   */
  private static final class Unit {
    final long volumeId;
    final HeldDevice device;
    final LogicalUnit logicalUnit;
    private int holders = 1;

    Unit(long volumeId, HeldDevice device, LogicalUnit logicalUnit) {
      this.volumeId = volumeId;
      this.device = device;
      this.logicalUnit = logicalUnit;
    }

    /** One more holder; false if {@code fresh} is not needed (a handle is held) and must be closed. */
    synchronized boolean hold(BlockDevice fresh) {
      holders++;
      return device.attach(fresh);
    }

    synchronized void letGo() {
      if (holders > 0 && --holders == 0) {
        device.release();
      }
    }
  }

  /**
   * The shared logical unit of a target, created on first use, for one more holder (a login; see
   * {@link #release}); empty if no such device. The device is looked up on every call (the
   * catalog's contract): a volume deleted and created again under the same name is another volume
   * and gets a fresh logical unit, without the old one's reservations, mode pages or unit attentions.
   */
  public Optional<LogicalUnit> logicalUnit(String targetName) {
    String name = config.deviceName(targetName);
    if (name == null) {
      return Optional.empty();
    }
    Optional<BlockDevice> device = catalog.open(name);
    if (device.isEmpty()) {
      Unit gone = units.remove(name);
      if (gone != null) {
        gone.logicalUnit.close();
        gone.device.release();
      }
      return Optional.empty();
    }
    BlockDevice fresh = device.get();
    long volumeId = fresh.uniqueId();
    boolean[] kept = {true};
    Unit unit = units.compute(name, (n, cached) -> {
      if (cached != null && cached.volumeId == volumeId) {
        kept[0] = cached.hold(fresh);
        return cached;
      }
      if (cached != null) {
        log.info("volume {} was replaced by another of the same name: new logical unit", n);
        cached.logicalUnit.close();
        cached.device.release();
      }
      HeldDevice held = new HeldDevice(fresh);
      return new Unit(volumeId, held, config.logicalUnitFactory().create(held, config.portGroups(), config.sharedState()));
    });
    if (!kept[0]) {
      // Each open is a handle of its own: one the unit does not take would count as a client forever.
      fresh.close();
    }
    return Optional.of(unit.logicalUnit);
  }

  /**
   * A holder of {@code logicalUnit} lets go (its session ended, or its login was refused after all):
   * the unit's device handle closes with the last, so the volume no longer counts as connected.
   */
  public void release(LogicalUnit logicalUnit) {
    for (Unit u : units.values()) {
      if (u.logicalUnit == logicalUnit) {
        u.letGo();
        return;
      }
    }
  }

  /** As {@link #logicalUnit}, off the caller's thread (looking a device up may block). */
  public CompletableFuture<Optional<LogicalUnit>> logicalUnitAsync(String targetName) {
    return CompletableFuture.supplyAsync(() -> logicalUnit(targetName), opener);
  }

  private void sessionEnded(Session session) {
    if (!session.discovery()) {
      release(session.logicalUnit());
    }
  }

  /** Closes every logical unit and the device handles they hold. */
  public void closeUnits() {
    units.values().forEach(u -> {
      u.logicalUnit.close();
      u.device.release();
    });
    units.clear();
  }
}
