package org.snipblock.cluster.meta;

import static org.snipblock.cluster.meta.MetadataState.ok;
import static org.snipblock.cluster.meta.MetadataState.refuse;

import java.util.List;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.SetMode;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException.Reason;

/** Handlers of the commands that create, delete and reshape volumes. */
final class VolumeCommands {
  private VolumeCommands() {}

  static MetaResult create(MetaCommand cmd, MetadataState s) {
    VolumeRecord v = cmd.getCreateVolume().getVolume();
    if (s.volumes.containsKey(v.getName())) {
      return refuse(Reason.ALREADY_EXISTS, "volume " + v.getName() + " already exists");
    }
    long snippets = Stripes.snippets(v);
    if (v.getSnippetsCount() > Stripes.MAX || (snippets > 0 && v.getSnippetsCount() > snippets)) {
      return refuse(Reason.INVALID_ARGUMENT, "volume " + v.getName() + " is placed in " + v.getSnippetsCount()
          + " stripes; a volume of " + snippets + " snippets has at most " + Math.min(snippets, Stripes.MAX));
    }
    if (!v.getParent().isEmpty()) {
      MetaResult refused = parentRefuses(s, v, cmd.getCreateVolume().getParentEpoch());
      if (refused != null) {
        return refused;
      }
    }
    VolumeRecord created = v.toBuilder().setUid(s.nextUid++).setEpoch(1).setVersion(1).build();
    s.volumes.put(v.getName(), created);
    return ok(created);
  }

  /**
   * Null if a clone may be made of its parent as recorded: the parent exists with the same uid, and
   * its primary is still at the epoch at which it checked the snapshot (so a snapshot deleted by a
   * newer primary meanwhile cannot be cloned).
   */
  private static MetaResult parentRefuses(MetadataState s, VolumeRecord clone, long parentEpoch) {
    VolumeRecord p = s.volumes.get(clone.getParent());
    if (p == null || p.getUid() != clone.getParentUid()) {
      return refuse(Reason.NOT_FOUND, "no volume named " + clone.getParent() + " to clone");
    }
    if (p.getEpoch() != parentEpoch) {
      return refuse(Reason.FAILED_PRECONDITION, "volume " + p.getName() + " changed its primary (epoch "
          + parentEpoch + " -> " + p.getEpoch() + ") while the clone was made; ask its primary " + p.getPrimary()
          + " again");
    }
    return null;
  }

  static MetaResult delete(MetaCommand cmd, MetadataState s) {
    String name = cmd.getDeleteVolume().getName();
    List<String> clones = Clones.of(s.volumes.values(), name, null);
    if (!clones.isEmpty() && s.volumes.containsKey(name)) {
      return refuse(Reason.FAILED_PRECONDITION, "volume " + name
          + " has clones that read through its snapshots: " + String.join(", ", clones)
          + "; delete or flatten them first");
    }
    s.volume(name);
    s.volumes.remove(name);
    return ok();
  }

  static MetaResult setMode(MetaCommand cmd, MetadataState s) {
    SetMode m = cmd.getSetMode();
    VolumeRecord v = s.volume(m.getName());
    if (m.getSnippetsList().isEmpty()) {
      if (!SnippetModes.valid(m.getMode())) {
        return refuse(Reason.INVALID_ARGUMENT, "unknown replication mode '" + m.getMode() + "': expected sync|async");
      }
      // The operator's own choice of mode ends automatic control (--mode auto starts it again).
      return s.store(v.toBuilder().setMode(m.getMode()).setAutoMode(false).build());
    }
    if (!m.getMode().isEmpty() && !SnippetModes.valid(m.getMode())) {
      return refuse(Reason.INVALID_ARGUMENT, "unknown replication mode '" + m.getMode()
          + "': expected sync|async, or none to clear the snippets' override");
    }
    for (long i : m.getSnippetsList()) {
      if (i < 0 || i >= v.getSnippetsCount()) {
        return refuse(Reason.INVALID_ARGUMENT, "volume " + m.getName() + " has no stripe " + i
            + " (it has " + v.getSnippetsCount() + ")");
      }
    }
    VolumeRecord after = SnippetModes.override(v, m.getMode(), m.getSnippetsList());
    return after.equals(v) ? ok(v) : s.store(after);
  }

  static MetaResult resize(MetaCommand cmd, MetadataState s) {
    VolumeRecord v = s.volume(cmd.getResizeVolume().getName());
    if (cmd.getResizeVolume().getSize() < v.getSize()) {
      return refuse(Reason.INVALID_ARGUMENT, "shrinking volume " + v.getName() + " is refused");
    }
    if (cmd.getResizeVolume().getAddedCount() > 0) {
      // Adding stripes would move every snippet past the first to another stripe (i % count changes).
      return refuse(Reason.INVALID_ARGUMENT, "growing volume " + v.getName() + " adds no placement: its new "
          + "snippets fall on its " + v.getSnippetsCount() + " stripes");
    }
    return s.store(v.toBuilder().setSize(cmd.getResizeVolume().getSize()).build());
  }

  static MetaResult reincarnate(MetaCommand cmd, MetadataState s) {
    VolumeRecord v = s.volume(cmd.getReincarnate().getName());
    return s.store(v.toBuilder().setIncarnation(v.getIncarnation() + 1).build());
  }

  static MetaResult setReadOnly(MetaCommand cmd, MetadataState s) {
    VolumeRecord v = s.volume(cmd.getSetReadOnly().getName());
    return v.getReadOnly() == cmd.getSetReadOnly().getReadOnly() ? ok(v)
        : s.store(v.toBuilder().setReadOnly(cmd.getSetReadOnly().getReadOnly()).build());
  }
}
