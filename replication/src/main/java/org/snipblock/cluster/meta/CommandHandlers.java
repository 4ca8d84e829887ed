package org.snipblock.cluster.meta;

import java.util.EnumMap;
import java.util.Map;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaCommand.CommandCase;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * Which handler applies which metadata command: one line per command, so a new command is a new
 * small handler and one line here.
 */
final class CommandHandlers {
  private static final Map<CommandCase, CommandHandler> HANDLERS = new EnumMap<>(CommandCase.class);

  static {
    HANDLERS.put(CommandCase.REGISTER_NODE, NodeCommands::register);
    HANDLERS.put(CommandCase.REPORT_USAGE, NodeCommands::reportUsage);
    HANDLERS.put(CommandCase.REPORT_STORE_IO, NodeCommands::reportStoreIo);
    HANDLERS.put(CommandCase.REPORT_QOS_DEMAND, QosDemandCommand::apply);
    HANDLERS.put(CommandCase.CREATE_VOLUME, VolumeCommands::create);
    HANDLERS.put(CommandCase.DELETE_VOLUME, VolumeCommands::delete);
    HANDLERS.put(CommandCase.SET_MODE, VolumeCommands::setMode);
    HANDLERS.put(CommandCase.SET_REDUNDANCY, RedundancyCommand::apply);
    HANDLERS.put(CommandCase.CHANGE_PRIMARY, PrimaryCommands::changePrimary);
    HANDLERS.put(CommandCase.RESIZE_VOLUME, VolumeCommands::resize);
    HANDLERS.put(CommandCase.REPLACE_COPIES, CopyCommands::replaceCopies);
    HANDLERS.put(CommandCase.CONFIRM_PRIMARY, PrimaryCommands::confirmPrimary);
    HANDLERS.put(CommandCase.MARK_STALE, PrimaryCommands::markStale);
    HANDLERS.put(CommandCase.PUT_RECORD, (c, s) -> MetaResult.newBuilder().setOk(true)
        .setRecord(s.records.put(c.getPutRecord())).build());
    HANDLERS.put(CommandCase.DELETE_RECORD, (c, s) -> MetaResult.newBuilder().setOk(true)
        .setRecord(s.records.delete(c.getDeleteRecord())).build());
    HANDLERS.put(CommandCase.SET_ACCESS, (c, s) -> s.store(AccessLists.apply(s.volume(c.getSetAccess().getName()),
        c.getSetAccess())));
    HANDLERS.put(CommandCase.REINCARNATE, VolumeCommands::reincarnate);
    HANDLERS.put(CommandCase.SET_READ_ONLY, VolumeCommands::setReadOnly);
    HANDLERS.put(CommandCase.MOVE_COPY, CopyMoves::apply);
    HANDLERS.put(CommandCase.RETARGET_MOVE, MoveRetargets::apply);
    HANDLERS.put(CommandCase.MARK_SITE_MIGRATION, SiteMigrationMarks::apply);
    HANDLERS.put(CommandCase.REPORT_MOVE_PROGRESS, NodeCommands::reportMoveProgress);
    HANDLERS.put(CommandCase.SET_NODE_STATE, NodeCommands::setState);
    HANDLERS.put(CommandCase.REMOVE_NODE, NodeCommands::remove);
    HANDLERS.put(CommandCase.SET_QOS, (c, s) -> s.store(QosCommand.apply(s.volume(c.getSetQos().getName()),
        c.getSetQos(), s.volumes.values())));
    HANDLERS.put(CommandCase.ANNOUNCE_DOOR, (c, s) -> {
      PortalGroups.announce(s.nodes, c.getAnnounceDoor());
      return MetaResult.newBuilder().setOk(true).build();
    });
    HANDLERS.put(CommandCase.PUT_SCSI_STATE, (c, s) -> s.store(ScsiStates.put(s.volumes.get(c.getPutScsiState().getName()),
        c.getPutScsiState())));
    HANDLERS.put(CommandCase.BARRIER, (c, s) -> MetaResult.newBuilder().setOk(true).build());
    HANDLERS.put(CommandCase.VIEW_SEEN, PowerCycles::viewSeen);
    HANDLERS.put(CommandCase.SET_CHAP, (c, s) -> s.store(ChapSettings.apply(s.volumes.get(c.getSetChap().getName()), c.getSetChap())));
    for (CommandCase following : new CommandCase[] {CommandCase.SET_CONSUMER, CommandCase.SET_MODE_CONTROL,
        CommandCase.AUTO_MODE_SWITCH, CommandCase.SET_CATCH_UP}) {
      HANDLERS.put(following, (c, s) -> s.store(FollowCommands.apply(s.volumes::get, s.nodes.values(), c)));
    }
    for (CommandCase flattening : new CommandCase[] {CommandCase.FLATTEN_CLONE, CommandCase.CLONE_FLATTENED,
        CommandCase.COPY_UNSHARED}) {
      HANDLERS.put(flattening, (c, s) -> Flattening.apply(c, s.volumes::get, s::store));
    }
  }

  private CommandHandlers() {}

  static MetaResult apply(MetaCommand command, MetadataState state) {
    CommandHandler h = HANDLERS.get(command.getCommandCase());
    if (h == null) {
      return MetadataState.refuse(Reason.INVALID_ARGUMENT, "unknown metadata command " + command.getCommandCase());
    }
    return h.apply(command, state);
  }
}
