package org.snipblock.iscsi.scsi;

import static org.snipblock.iscsi.scsi.Opcodes.MAINTENANCE_OUT;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.alua.AccessState;
import org.snipblock.iscsi.alua.PortGroup;

/**
 * SET TARGET PORT GROUPS (SPC-4 6.41), offered where the port groups allow explicit transitions:
 * an initiator asks for one group to become active/optimized, and the target makes it so (in a
 * cluster: the primary moves to that group's node), answering once it is. Only that transition is
 * taken: the other states follow from the optimized one, so a descriptor asking a group for any other
 * state than the one it has is an invalid field. Every nexus learns of the new states by the unit
 * attention ASYMMETRIC ACCESS STATE CHANGED, as for an implicit transition.
 */
final class SetTargetPortGroupsCommand {
  private static final Logger log = LoggerFactory.getLogger(SetTargetPortGroupsCommand.class);
  static final int SA_SET_TARGET_PORT_GROUPS = 0x0a;
  /** SPC-4: the transition could not be made (HARDWARE ERROR, SET TARGET PORT GROUPS COMMAND FAILED). */
  static final Sense FAILED = Sense.of(Sense.HARDWARE_ERROR, 0x67, 0x0a);
  private static final int HEADER = 4;
  private static final int DESCRIPTOR = 4;

  private final UnitContext unit;

  SetTargetPortGroupsCommand(UnitContext unit) {
    this.unit = unit;
  }

  void register(CommandTable t) {
    if (unit.alua.explicit()) {
      t.add(CommandSpec.withServiceAction("SET TARGET PORT GROUPS", SA_SET_TARGET_PORT_GROUPS, Access.WRITE,
          this::set, MAINTENANCE_OUT, SA_SET_TARGET_PORT_GROUPS, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07));
    }
  }

  private CompletableFuture<ScsiResponse> set(ScsiCommand command, Cdb cdb) {
    cdb.requireLength(12);
    cdb.control(11);
    cdb.reserved(1, 0xe0);
    cdb.reservedBytes(2, 5);
    cdb.reservedBytes(10, 10);
    long length = cdb.u32(6);
    if (length == 0) {
      return Responses.GOOD;
    }
    if (length < HEADER || (length - HEADER) % DESCRIPTOR != 0 || length > HEADER + DESCRIPTOR * 0xffffL) {
      throw new CheckCondition(Sense.parameterListLengthError());
    }
    byte[] p = DataOut.parameters(command, (int) length);
    Integer optimized = optimizedAskedFor(p, unit.alua.groups(command.nexus().tpgt()));
    if (optimized == null) {
      return Responses.GOOD; // every group asked for the state it has
    }
    if (unit.alua.stateOf(command.nexus()) == AccessState.TRANSITIONING) {
      // The primary is out of reach or already moving: nothing to ask it now. NOT READY, which
      // initiators retry, rather than a failure that would fail the path.
      throw new CheckCondition(AsymmetricAccess.IN_TRANSITION);
    }
    int tag = optimized;
    return unit.alua.makeOptimized(tag).handle((done, failure) -> {
      if (failure != null) {
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        log.warn("{}: SET TARGET PORT GROUPS from {}: group {} not made active/optimized: {}", unit.device.name(),
            command.nexus().initiatorName(), tag, cause.getMessage());
        throw new CheckCondition(FAILED);
      }
      log.info("{}: group {} made active/optimized at the request of {}", unit.device.name(), tag,
          command.nexus().initiatorName());
      return ScsiResponse.good();
    });
  }

  /**
   * The group asked to become active/optimized that is not yet, or null; checks every descriptor:
   * besides that one, a group may only be asked for the state it has, or for active/non-optimized
   * when another group becomes active/optimized (which is what it then is).
   */
  private static Integer optimizedAskedFor(byte[] p, List<PortGroup> groups) {
    Integer optimized = null;
    for (int at = HEADER; at < p.length; at += DESCRIPTOR) {
      PortGroup group = group(p, at, groups);
      if ((p[at] & 0x0f) == AccessState.ACTIVE_OPTIMIZED.code() && group.state() != AccessState.ACTIVE_OPTIMIZED) {
        if (optimized != null && optimized != group.tag()) {
          throw CheckCondition.invalidParameter(at, 3); // two groups cannot both be the optimized one
        }
        optimized = group.tag();
      }
    }
    for (int at = HEADER; at < p.length; at += DESCRIPTOR) {
      PortGroup group = group(p, at, groups);
      int state = p[at] & 0x0f;
      boolean demoted = optimized != null && group.tag() != optimized
          && state == AccessState.ACTIVE_NON_OPTIMIZED.code();
      if (state != group.state().code() && !demoted && !(optimized != null && group.tag() == optimized)) {
        throw CheckCondition.invalidParameter(at, 3);
      }
    }
    return optimized;
  }

  private static PortGroup group(byte[] p, int at, List<PortGroup> groups) {
    if ((p[at] & 0xf0) != 0) {
      throw CheckCondition.invalidParameter(at, 7);
    }
    int tag = Bytes.u16(p, at + 2);
    return groups.stream().filter(g -> g.tag() == tag).findFirst()
        .orElseThrow(() -> CheckCondition.invalidParameter(at + 2, -1));
  }
}
