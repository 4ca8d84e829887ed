package org.snipblock.iscsi.scsi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.snipblock.block.BlockDevice;
import org.snipblock.iscsi.alua.PortGroups;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SCSI direct-access block device (SBC-3) over a {@link BlockDevice}: one per volume, shared by
 * every session and nexus that reaches the volume. Thread-safe and non-blocking: every command
 * completes through the device's futures, and the shared state (reservations, unit attentions,
 * mode pages) is only held under short locks, never across I/O.
 *
 * <p>Per command: decode the opcode, report a pending unit attention, refuse what the path's
 * asymmetric access state does not allow, check reservations, then run the command's handler. Every failure, whether found while decoding or reported by the
 * device, becomes CHECK CONDITION with sense data in the format the control mode page selects.
 */
public final class BlockLogicalUnit implements LogicalUnit {
  private static final Logger log = LoggerFactory.getLogger(BlockLogicalUnit.class);

  /** SANITIZE OVERWRITE pace: wiping one volume must leave the store's bandwidth to others. */
  public static final long DEFAULT_SANITIZE_BYTES_PER_SECOND = 256L << 20;

  /** NOT READY, IN PROCESS OF BECOMING READY: the shared state is catching up; initiators retry. */
  private static final Sense CATCHING_UP = Sense.of(Sense.NOT_READY, 0x04, 0x01);

  private final UnitContext unit;
  private final ReservationGate reservationGate;
  private final AtomicLong lastSeenSize;

  /** A logical unit that claims nothing about physical blocks (one logical block per physical). */
  public BlockLogicalUnit(BlockDevice device) {
    this(device, device.blockSize());
  }

  /**
   * A logical unit reached through these port groups (a cluster node's: one per node), whose
   * shared state (reservations) lives in {@code shared} (null: in this unit alone).
   */
  public BlockLogicalUnit(BlockDevice device, PortGroups portGroups, SharedUnitState shared) {
    this(device, device.blockSize(), DEFAULT_SANITIZE_BYTES_PER_SECOND, portGroups, shared);
  }

  /**
   * A logical unit whose storage allocates and trims in units of {@code physicalBlockSize} bytes
   * (e.g. 4096 for a 512-byte-block volume on 4 KiB storage), reported to initiators as LOGICAL
   * BLOCKS PER PHYSICAL BLOCK EXPONENT and as the optimal transfer and unmap granularity, so they
   * align their I/O and trims.
   */
  public BlockLogicalUnit(BlockDevice device, int physicalBlockSize) {
    this(device, physicalBlockSize, DEFAULT_SANITIZE_BYTES_PER_SECOND);
  }

  /**
   * As {@link #BlockLogicalUnit(BlockDevice, int)}, with the pace of SANITIZE OVERWRITE passes
   * ({@code <= 0}: unpaced).
   */
  public BlockLogicalUnit(BlockDevice device, int physicalBlockSize, long sanitizeBytesPerSecond) {
    this(device, physicalBlockSize, sanitizeBytesPerSecond, PortGroups.SINGLE, null);
  }

  public BlockLogicalUnit(BlockDevice device, int physicalBlockSize, long sanitizeBytesPerSecond,
      PortGroups portGroups, SharedUnitState shared) {
    this.unit = new UnitContext(device, physicalBlockSize, portGroups, shared);
    this.reservationGate = new ReservationGate(unit);
    this.lastSeenSize = new AtomicLong(device.size());
    CommandTable t = unit.commands;
    new InquiryCommand(unit).register(t);
    new DeviceStatusCommands(unit).register(t);
    new CapacityCommands(unit).register(t);
    new ReadWriteCommands(unit).register(t);
    new VerifyCommands(unit).register(t);
    new AtomicWriteCommands(unit).register(t);
    new ProvisioningCommands(unit).register(t);
    new ModeCommands(unit).register(t);
    new PersistentReserveCommands(unit).register(t);
    new LegacyReserveCommands(unit).register(t);
    new DefectDataCommands().register(t);
    new CopyCommands(unit).register(t);
    new SanitizeCommands(unit, sanitizeBytesPerSecond).register(t);
    new TargetPortGroupCommands(unit.alua).register(t);
    new SetTargetPortGroupsCommand(unit).register(t);
    new SupportedOperations(unit).register(t);
  }

  @Override
  public CompletableFuture<ScsiResponse> execute(ScsiCommand command) {
    try {
      ItNexus nexus = command.nexus();
      unit.unitAttentions.arrive(nexus);
      noticeRollback();
      noticeResize();
      unit.alua.noticeChange();
      unit.shared.refresh(); // another path's change, and the attentions it raised here
      Cdb cdb = new Cdb(command.cdb());
      CommandSpec spec = unit.commands.lookup(cdb);
      CompletableFuture<Boolean> behind = spec.reportsUnitAttention() ? unit.shared.caughtUp() : null;
      if (behind != null) {
        // Another path's change was answered on this path's promise to hold commands until it has it.
        return behind.thenComposeAsync(caughtUp -> caughtUp ? execute(command)
            : CompletableFuture.completedFuture(checkCondition(CATCHING_UP)));
      }
      if (spec.reportsUnitAttention()) {
        Sense attention = unit.unitAttentions.poll(nexus);
        if (attention != null) {
          return CompletableFuture.completedFuture(checkCondition(attention));
        }
      }
      Sense inaccessible = unit.alua.refusal(nexus, cdb);
      if (inaccessible != null) {
        return CompletableFuture.completedFuture(checkCondition(inaccessible));
      }
      Sense sanitizing = unit.sanitize.refusal(spec);
      if (sanitizing != null) {
        return CompletableFuture.completedFuture(checkCondition(sanitizing));
      }
      if (reservationGate.conflicts(nexus, spec)) {
        return Responses.RESERVATION_CONFLICT;
      }
      return spec.handler().handle(command, cdb).exceptionally(this::failed);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(failed(e));
    }
  }

  @Override
  public long dataOutLength(byte[] cdb) {
    return DataOutLength.of(cdb, unit.geometry.blockSize());
  }

  private ScsiResponse failed(Throwable failure) {
    if (!(unwrap(failure) instanceof CheckCondition)
        && !(unwrap(failure) instanceof org.snipblock.block.BlockDeviceException)) {
      log.error("SCSI command failed unexpectedly", failure);
    }
    return checkCondition(DeviceErrors.toSense(failure));
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private ScsiResponse checkCondition(Sense sense) {
    return ScsiResponse.checkCondition(SenseEncoder.encode(sense, unit.mode.descriptorSense()));
  }

  /**
   * A volume rolled back to a snapshot: this unit's handle serves the new content from now on, and
   * every nexus learns that its cached data may be stale (the medium may have changed), as after a
   * cartridge swap, instead of being refused as NOT READY until it logs in again.
   */
  private void noticeRollback() {
    if (unit.device.adoptRollback()) {
      log.info("{} was rolled back to a snapshot: every nexus is told the medium may have changed", unit.device.name());
      unit.unitAttentions.establishForAll(UnitAttentions.MEDIUM_MAY_HAVE_CHANGED);
    }
  }

  /** A volume grown (or shrunk) under us: every nexus learns of it once (SBC-3 4.6). */
  private void noticeResize() {
    long size = unit.device.size();
    long previous = lastSeenSize.get();
    if (size != previous && lastSeenSize.compareAndSet(previous, size)) {
      unit.unitAttentions.establishForAll(UnitAttentions.CAPACITY_DATA_CHANGED);
    }
  }

  @Override
  public void aborted(ScsiCommand command) {
    CompletableFuture<ScsiResponse> answer = unit.detachable.remove(command);
    if (answer != null) {
      log.info("an aborted command lets go of its task; its operation goes on");
      answer.complete(ScsiResponse.good()); // dropped by the transport: the task is aborted
    }
  }

  @Override
  public CompletableFuture<Void> taskManagement(TaskManagement function, ItNexus nexus) {
    switch (function) {
      case LUN_RESET, TARGET_WARM_RESET, TARGET_COLD_RESET -> {
        // SPC-4 5.12.1 / SPC-2 5.5.1: resets drop SPC-2 reservations (through every path), but
        // persistent reservations survive them. SAM-5 6.3.3: every nexus, the one that asked
        // included, learns of the reset, through every path of the LU.
        return unit.shared.reset(UnitAttentions.BUS_DEVICE_RESET, c -> c.legacy.reset());
      }
      case I_T_NEXUS_RESET -> {
        unit.unitAttentions.establish(nexus, UnitAttentions.I_T_NEXUS_LOSS);
        return releaseLegacy(nexus);
      }
      case ABORT_TASK_SET, CLEAR_TASK_SET, CLEAR_ACA -> { }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> nexusLost(ItNexus nexus) {
    unit.unitAttentions.forget(nexus);
    return releaseLegacy(nexus);
  }

  /** The nexus's SPC-2 reservation, if it holds one, released through every path (logged if it cannot be now). */
  private CompletableFuture<Void> releaseLegacy(ItNexus nexus) {
    if (!unit.legacyReservation.heldBy(nexus)) {
      return CompletableFuture.completedFuture(null);
    }
    return unit.shared.change(c -> {
      c.legacy.release(nexus);
      return null;
    }).handle((x, failure) -> {
      if (failure != null) {
        log.warn("{}: the SPC-2 reservation of {} not released through the other paths: {}", unit.device.name(),
            nexus.initiatorPortName(), failure.toString());
      }
      return null;
    });
  }

  /** The device stays open: its owner (the node's volume registry) closes it. */
  @Override
  public void close() {}
}
