package org.snipblock.iscsi.scsi;

import org.snipblock.block.BlockDevice;
import org.snipblock.iscsi.alua.PortGroups;

/** The state of one logical unit that the command families share. */
final class UnitContext {
  final BlockDevice device;
  final Geometry geometry;
  final ModeParameters mode = new ModeParameters();
  final UnitAttentions unitAttentions = new UnitAttentions();
  final PersistentReservations persistentReservations = new PersistentReservations(unitAttentions);
  final LegacyReservation legacyReservation = new LegacyReservation();
  final CommandTable commands = new CommandTable();
  final SanitizeState sanitize = new SanitizeState();
  /**
   * Commands whose work goes on even when the command is aborted (a SANITIZE waiting for its
   * end): the answer to complete early on abort. Keyed by identity: one entry per command.
   */
  final java.util.Map<ScsiCommand, java.util.concurrent.CompletableFuture<ScsiResponse>> detachable =
      java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

  final AsymmetricAccess alua;
  final SharedLuState shared;

  /** @param shared where the state of all paths lives; null: this unit alone has paths (in memory) */
  UnitContext(BlockDevice device, int physicalBlockSize, PortGroups portGroups, SharedUnitState shared) {
    this.device = device;
    this.geometry = new Geometry(device, physicalBlockSize);
    this.alua = new AsymmetricAccess(portGroups, device.name(), unitAttentions);
    this.shared = new SharedLuState(shared == null ? new MemorySharedUnitState() : shared, device.name(),
        device.uniqueId(), persistentReservations, legacyReservation, mode, unitAttentions, portGroups::localTag);
  }

  /** Whether another nexus holds the SPC-2 reservation through a path that is still there. */
  boolean legacyHeldByOther(ItNexus nexus) {
    return legacyReservation.heldByOther(nexus, alua::pathPresent);
  }

  /** Writes are refused when the volume is read-only or software write protect is on. */
  void checkWritable() {
    if (device.readOnly() || mode.softwareWriteProtect()) {
      throw new CheckCondition(Sense.writeProtected());
    }
  }

  boolean writeProtected() {
    return device.readOnly() || mode.softwareWriteProtect();
  }
}
