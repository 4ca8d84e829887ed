package org.snipblock.cluster.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.DataInput;
import java.io.DataOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jgroups.raft.StateMachine;
import org.snipblock.cluster.proto.ChangePrimary;
import org.snipblock.cluster.proto.ConfirmPrimary;
import org.snipblock.cluster.proto.ClusterSnapshot;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.MarkStale;
import org.snipblock.cluster.proto.Record;
import org.snipblock.cluster.proto.ReplaceCopies;
import org.snipblock.cluster.proto.ReportUsage;
import org.snipblock.cluster.proto.SetMode;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's metadata as a deterministic state machine behind the raft log: nodes, volumes,
 * their placement, primary, epoch and access lists, and the records of the cluster's users. Every replica of it applies the same commands in the same
 * order, so the checks here (name taken, epoch moved on) decide the same way everywhere.
 * Decisions that need the world outside (placement, which node to promote) are made by the
 * proposer and arrive here as facts; this class only guards invariants.
 */
public final class ClusterMetadata implements StateMachine {
  private static final Logger log = LoggerFactory.getLogger(ClusterMetadata.class);

  private final Map<String, NodeRecord> nodes = new TreeMap<>();
  private final Map<String, VolumeRecord> volumes = new TreeMap<>();
  private final RecordSpace records = new RecordSpace();
  private long nextUid = 1;
  private final List<Consumer<VolumeRecord>> volumeListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<RecordChange>> recordListeners = new CopyOnWriteArrayList<>();

  /** A record put (the new content) or deleted (the content it had). */
  public record RecordChange(boolean deleted, Record record) {}

  /** Called (on the raft applier thread, keep it short) after a volume changed or was deleted (then with only its name). */
  public void onVolumeChange(Consumer<VolumeRecord> listener) {
    volumeListeners.add(listener);
  }

  @Override
  public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
    MetaResult result;
    VolumeRecord changed = null;
    synchronized (this) {
      try {
        MetaCommand cmd = MetaCommand.parseFrom(java.nio.ByteBuffer.wrap(data, offset, length));
        try {
          result = apply(cmd);
        } catch (VolumeAdminException e) {
          result = refuse(e.reason(), e.getMessage());
        }
        if (result.getOk() && result.hasRecord()) {
          // Under the lock, so a watcher that listed the records under it sees every later change once.
          notifyRecord(new RecordChange(cmd.hasDeleteRecord(), result.getRecord()));
        }
        if (result.getOk() && result.hasVolume()) {
          changed = result.getVolume();
        } else if (result.getOk() && cmd.hasDeleteVolume()) {
          changed = VolumeRecord.newBuilder().setName(cmd.getDeleteVolume().getName()).build();
        }
      } catch (InvalidProtocolBufferException e) {
        result = refuse(Reason.INVALID_ARGUMENT, "malformed metadata command: " + e.getMessage());
      }
    }
    if (changed != null) {
      for (Consumer<VolumeRecord> l : volumeListeners) {
        try {
          l.accept(changed);
        } catch (RuntimeException e) {
          log.warn("volume listener failed for {}", changed.getName(), e);
        }
      }
    }
    return serializeResponse ? result.toByteArray() : null;
  }

  private MetaResult apply(MetaCommand cmd) {
    switch (cmd.getCommandCase()) {
      case REGISTER_NODE -> {
        NodeRecord n = cmd.getRegisterNode().getNode();
        if (n.getId().isEmpty()) {
          return refuse(Reason.INVALID_ARGUMENT, "node id missing");
        }
        NodeRecord old = nodes.get(n.getId());
        if (old != null && !old.getMember().equals(n.getMember())) {
          return refuse(Reason.ALREADY_EXISTS, "node id " + n.getId() + " is already used by the member at "
              + old.getMember() + "; node ids must be unique in the cluster");
        }
        nodes.put(n.getId(), n);
        return ok();
      }
      case REPORT_USAGE -> {
        ReportUsage u = cmd.getReportUsage();
        NodeRecord n = nodes.get(u.getId());
        if (n == null) {
          return refuse(Reason.NOT_FOUND, "unknown node " + u.getId());
        }
        nodes.put(u.getId(), n.toBuilder().setCapacityBytes(u.getCapacityBytes()).setUsedBytes(u.getUsedBytes())
            .setLoad(u.getLoad()).clearRttMillis().putAllRttMillis(u.getRttMillisMap())
            .setReportedAtMillis(u.getReportedAtMillis()).build());
        return ok();
      }
      case CREATE_VOLUME -> {
        VolumeRecord v = cmd.getCreateVolume().getVolume();
        if (volumes.containsKey(v.getName())) {
          return refuse(Reason.ALREADY_EXISTS, "volume " + v.getName() + " already exists");
        }
        if (!v.getParent().isEmpty()) {
          MetaResult refused = parentRefuses(v, cmd.getCreateVolume().getParentEpoch());
          if (refused != null) {
            return refused;
          }
        }
        VolumeRecord created = v.toBuilder().setUid(nextUid++).setEpoch(1).setVersion(1).build();
        volumes.put(v.getName(), created);
        return ok(created);
      }
      case DELETE_VOLUME -> {
        List<String> clones = Clones.of(volumes.values(), cmd.getDeleteVolume().getName(), null);
        if (!clones.isEmpty() && volumes.containsKey(cmd.getDeleteVolume().getName())) {
          return refuse(Reason.FAILED_PRECONDITION, "volume " + cmd.getDeleteVolume().getName()
              + " has clones that read through its snapshots: " + String.join(", ", clones)
              + "; delete or flatten them first");
        }
        if (volumes.remove(cmd.getDeleteVolume().getName()) == null) {
          return refuse(Reason.NOT_FOUND, "no volume named " + cmd.getDeleteVolume().getName());
        }
        return ok();
      }
      case SET_MODE -> {
        SetMode m = cmd.getSetMode();
        VolumeRecord v = volumes.get(m.getName());
        if (v == null) {
          return refuse(Reason.NOT_FOUND, "no volume named " + m.getName());
        }
        if (m.getSnippetsList().isEmpty()) {
          if (!SnippetModes.valid(m.getMode())) {
            return refuse(Reason.INVALID_ARGUMENT, "unknown replication mode '" + m.getMode() + "': expected sync|async");
          }
          return store(v.toBuilder().setMode(m.getMode()).build());
        }
        if (!m.getMode().isEmpty() && !SnippetModes.valid(m.getMode())) {
          return refuse(Reason.INVALID_ARGUMENT, "unknown replication mode '" + m.getMode()
              + "': expected sync|async, or none to clear the snippets' override");
        }
        for (long i : m.getSnippetsList()) {
          if (i < 0 || i >= v.getSnippetsCount()) {
            return refuse(Reason.INVALID_ARGUMENT, "volume " + m.getName() + " has no snippet " + i
                + " (it has " + v.getSnippetsCount() + ")");
          }
        }
        VolumeRecord after = SnippetModes.override(v, m.getMode(), m.getSnippetsList());
        return after.equals(v) ? ok(v) : store(after);
      }
      case CHANGE_PRIMARY -> {
        ChangePrimary c = cmd.getChangePrimary();
        VolumeRecord v = volumes.get(c.getName());
        if (v == null) {
          return refuse(Reason.NOT_FOUND, "no volume named " + c.getName());
        }
        if (v.getEpoch() != c.getExpectedEpoch()) {
          return refuse(Reason.FAILED_PRECONDITION, "volume " + c.getName() + " is at epoch " + v.getEpoch()
              + ", not " + c.getExpectedEpoch() + ": someone else changed its primary first");
        }
        if (StaleCopies.anywhere(v, c.getNewPrimary())) {
          return refuse(Reason.FAILED_PRECONDITION, "node " + c.getNewPrimary() + " holds a stale copy of "
              + c.getName() + " and cannot become its primary");
        }
        // The old primary may hold changes nobody acknowledged: it resyncs before it counts again.
        // A planned handover drained the old primary first: it holds exactly what the new one has.
        VolumeRecord moved = v.getPrimary().equals(c.getNewPrimary()) || c.getPlanned() ? v
            : StaleCopies.mark(v, v.getPrimary(), true, List.of());
        for (String behind : c.getStaleList()) {
          if (!behind.equals(c.getNewPrimary())) {
            moved = StaleCopies.mark(moved, behind, true, List.of());
          }
        }
        return store(moved.toBuilder().setPrimary(c.getNewPrimary()).setEpoch(v.getEpoch() + 1).build());
      }
      case RESIZE_VOLUME -> {
        VolumeRecord v = volumes.get(cmd.getResizeVolume().getName());
        if (v == null) {
          return refuse(Reason.NOT_FOUND, "no volume named " + cmd.getResizeVolume().getName());
        }
        if (cmd.getResizeVolume().getSize() < v.getSize()) {
          return refuse(Reason.INVALID_ARGUMENT, "shrinking volume " + v.getName() + " is refused");
        }
        return store(v.toBuilder().setSize(cmd.getResizeVolume().getSize())
            .addAllSnippets(cmd.getResizeVolume().getAddedList()).build());
      }
      case REPLACE_COPIES -> {
        ReplaceCopies r = cmd.getReplaceCopies();
        VolumeRecord v = volumes.get(r.getName());
        if (v == null) {
          return refuse(Reason.NOT_FOUND, "no volume named " + r.getName());
        }
        if (r.getSnippet() < 0 || r.getSnippet() >= v.getSnippetsCount()) {
          return refuse(Reason.INVALID_ARGUMENT, "volume " + r.getName() + " has no snippet " + r.getSnippet());
        }
        SnippetPlacement before = v.getSnippets((int) r.getSnippet());
        SnippetPlacement.Builder after = SnippetPlacement.newBuilder().addAllNodes(r.getNodesList());
        before.getStaleList().stream().filter(r.getNodesList()::contains).forEach(after::addStale);
        SnippetPlacement placed = after.build();
        for (String added : r.getAddedList()) {
          placed = StaleCopies.mark(placed, added, true);
        }
        return store(v.toBuilder().setSnippets((int) r.getSnippet(), placed).build());
      }
      case CONFIRM_PRIMARY -> {
        ConfirmPrimary c = cmd.getConfirmPrimary();
        VolumeRecord v = volumes.get(c.getName());
        if (v == null || v.getEpoch() != c.getEpoch() || !v.getPrimary().equals(c.getNode())) {
          return refuse(Reason.FAILED_PRECONDITION, c.getNode() + " is not the primary of " + c.getName()
              + " at epoch " + c.getEpoch());
        }
        return MetaResult.newBuilder().setOk(true).build();
      }
      case MARK_STALE -> {
        MarkStale m = cmd.getMarkStale();
        VolumeRecord v = volumes.get(m.getName());
        if (v == null) {
          return refuse(Reason.NOT_FOUND, "no volume named " + m.getName());
        }
        if (v.getEpoch() != m.getEpoch()) {
          return refuse(Reason.FAILED_PRECONDITION, "volume " + m.getName() + " is at epoch " + v.getEpoch()
              + "; a primary of epoch " + m.getEpoch() + " may no longer change it");
        }
        VolumeRecord after = StaleCopies.mark(v, m.getNode(), m.getStale(), m.getSnippetsList());
        return after.equals(v) ? ok(v) : store(after);
      }
      case PUT_RECORD -> {
        return MetaResult.newBuilder().setOk(true).setRecord(records.put(cmd.getPutRecord())).build();
      }
      case DELETE_RECORD -> {
        return MetaResult.newBuilder().setOk(true).setRecord(records.delete(cmd.getDeleteRecord())).build();
      }
      case SET_ACCESS -> {
        VolumeRecord v = volumes.get(cmd.getSetAccess().getName());
        if (v == null) {
          return refuse(Reason.NOT_FOUND, "no volume named " + cmd.getSetAccess().getName());
        }
        return store(AccessLists.apply(v, cmd.getSetAccess()));
      }
      case REINCARNATE -> {
        VolumeRecord v = volumes.get(cmd.getReincarnate().getName());
        if (v == null) {
          return refuse(Reason.NOT_FOUND, "no volume named " + cmd.getReincarnate().getName());
        }
        return store(v.toBuilder().setIncarnation(v.getIncarnation() + 1).build());
      }
      case SET_READ_ONLY -> {
        VolumeRecord v = volumes.get(cmd.getSetReadOnly().getName());
        if (v == null) {
          return refuse(Reason.NOT_FOUND, "no volume named " + cmd.getSetReadOnly().getName());
        }
        return v.getReadOnly() == cmd.getSetReadOnly().getReadOnly() ? ok(v)
            : store(v.toBuilder().setReadOnly(cmd.getSetReadOnly().getReadOnly()).build());
      }
      case SET_QOS -> { return store(QosCommand.apply(volumes.get(cmd.getSetQos().getName()), cmd.getSetQos(), volumes.values())); }
      default -> {
        return refuse(Reason.INVALID_ARGUMENT, "unknown metadata command " + cmd.getCommandCase());
      }
    }
  }

  /**
   * Null if a clone may be made of its parent as recorded: the parent exists with the same uid, and
   * its primary is still at the epoch at which it checked the snapshot (so a snapshot deleted by a
   * newer primary meanwhile cannot be cloned).
   */
  private MetaResult parentRefuses(VolumeRecord clone, long parentEpoch) {
    VolumeRecord p = volumes.get(clone.getParent());
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

  private MetaResult store(VolumeRecord changed) {
    VolumeRecord v = changed.toBuilder().setVersion(changed.getVersion() + 1).build();
    volumes.put(v.getName(), v);
    return ok(v);
  }

  private static MetaResult ok() {
    return MetaResult.newBuilder().setOk(true).build();
  }

  private static MetaResult ok(VolumeRecord v) {
    return MetaResult.newBuilder().setOk(true).setVolume(v).build();
  }

  private static MetaResult refuse(Reason reason, String message) {
    return MetaResult.newBuilder().setOk(false).setReason(reason.name()).setError(message).build();
  }

  private void notifyRecord(RecordChange change) {
    for (Consumer<RecordChange> l : recordListeners) {
      try {
        l.accept(change);
      } catch (RuntimeException e) {
        log.warn("record listener failed for {}", RecordSpace.name(change.record().getKind(), change.record().getKey()), e);
      }
    }
  }

  /**
   * The records of a kind whose key starts with the prefix, and from then on every change of them:
   * both taken at one point of the log, so the listener sees each later change exactly once. The
   * listener runs on the raft applier thread with the metadata locked: it must only hand the
   * change on. Returns the current records and a handle that stops the listening.
   */
  public synchronized Watch watchRecords(String kind, String keyPrefix, Consumer<RecordChange> listener) {
    Consumer<RecordChange> filtered = c -> {
      if (RecordSpace.matches(c.record(), kind, keyPrefix)) {
        listener.accept(c);
      }
    };
    recordListeners.add(filtered);
    return new Watch(records.list(kind, keyPrefix), () -> recordListeners.remove(filtered));
  }

  /** The records as they were when a watch started, and how to stop it. */
  public record Watch(List<Record> current, Runnable cancel) {}

  public synchronized Optional<Record> record(String kind, String key) {
    return Optional.ofNullable(records.get(kind, key));
  }

  public synchronized List<Record> records(String kind, String keyPrefix) {
    return records.list(kind, keyPrefix);
  }

  public synchronized List<NodeRecord> nodes() {
    return new ArrayList<>(nodes.values());
  }

  public synchronized Optional<NodeRecord> node(String id) {
    return Optional.ofNullable(nodes.get(id));
  }

  public synchronized List<VolumeRecord> volumes() {
    return new ArrayList<>(volumes.values());
  }

  public synchronized Optional<VolumeRecord> volume(String name) {
    return Optional.ofNullable(volumes.get(name));
  }

  @Override
  public synchronized void readContentFrom(DataInput in) throws Exception {
    byte[] bytes = new byte[in.readInt()];
    in.readFully(bytes);
    ClusterSnapshot s = ClusterSnapshot.parseFrom(bytes);
    nodes.clear();
    volumes.clear();
    s.getNodesList().forEach(n -> nodes.put(n.getId(), n));
    s.getVolumesList().forEach(v -> volumes.put(v.getName(), v));
    records.replaceAll(s.getRecordsList());
    nextUid = s.getNextUid();
  }

  @Override
  public synchronized void writeContentTo(DataOutput out) throws Exception {
    byte[] bytes = ClusterSnapshot.newBuilder().addAllNodes(nodes.values()).addAllVolumes(volumes.values())
        .addAllRecords(records.all()).setNextUid(nextUid).build().toByteArray();
    out.writeInt(bytes.length);
    out.write(bytes);
  }
}
