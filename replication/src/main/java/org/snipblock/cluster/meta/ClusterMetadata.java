package org.snipblock.cluster.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.DataInput;
import java.io.DataOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jgroups.raft.StateMachine;
import org.snipblock.cluster.proto.ClusterSnapshot;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.Record;
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

  // Every command applies to it through its own handler (see CommandHandlers).
  private final MetadataState state = new MetadataState();
  private final List<Consumer<VolumeRecord>> volumeListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<RecordChange>> recordListeners = new CopyOnWriteArrayList<>();
  private final Map<String, CompletableFuture<Void>> barriers =
      new ConcurrentHashMap<>();

  /** A record put (the new content) or deleted (the content it had). */
  public record RecordChange(boolean deleted, Record record) {}

  /**
   * Called (on the raft applier thread, keep it short) after a volume changed or was deleted (then
   * with only its name). Returns what stops the calls.
   */
  public Runnable onVolumeChange(Consumer<VolumeRecord> listener) {
    volumeListeners.add(listener);
    return () -> volumeListeners.remove(listener);
  }

  /**
   * Completes when this copy applies the barrier, or the command, with this nonce (see
   * {@link MetadataClient#catchUp} and {@link MetadataClient#commitSeen}); the caller cancels it
   * ({@link #forgetBarrier}) if it is never committed.
   */
  CompletableFuture<Void> barrierApplied(String nonce) {
    return barriers.computeIfAbsent(nonce, n -> new CompletableFuture<>());
  }

  void forgetBarrier(String nonce) {
    barriers.remove(nonce);
  }

  /** The barrier or command with this nonce is applied: its waiter, if this node has one, goes on. */
  private void applied(String nonce) {
    CompletableFuture<Void> waiter = barriers.remove(nonce);
    if (waiter != null) {
      waiter.complete(null);
    }
  }

  @Override
  public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
    MetaResult result;
    VolumeRecord changed = null;
    List<VolumeRecord> alsoChanged = List.of();
    synchronized (this) {
      state.alsoChanged.clear();
      try {
        MetaCommand cmd = MetaCommand.parseFrom(java.nio.ByteBuffer.wrap(data, offset, length));
        if (cmd.hasBarrier()) {
          applied(cmd.getBarrier().getNonce());
        }
        try {
          result = CommandHandlers.apply(cmd, state);
        } catch (VolumeAdminException e) {
          result = refuse(e.reason(), e.getMessage());
        }
        if (!cmd.getSeenNonce().isEmpty()) {
          applied(cmd.getSeenNonce());   // under the lock: a read after this sees the command's effect
        }
        if (result.getOk() && result.hasRecord()) {
          // Under the lock, so a watcher that listed the records under it sees every later change once.
          notifyRecord(new RecordChange(cmd.hasDeleteRecord(), result.getRecord()));
        }
        if (result.getOk()) {
          alsoChanged = List.copyOf(state.alsoChanged);
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
    List<VolumeRecord> all = new ArrayList<>(alsoChanged);
    if (changed != null) {
      all.add(changed);
    }
    volumesChanged(all);
    return serializeResponse ? result.toByteArray() : null;
  }

  private void volumesChanged(List<VolumeRecord> changed) {
    for (VolumeRecord v : changed) {
      log.debug("volume {}: version {} applied (primary {} at epoch {})", v.getName(), v.getVersion(), v.getPrimary(),
          v.getEpoch());
      for (Consumer<VolumeRecord> l : volumeListeners) {
        try {
          l.accept(v);
        } catch (RuntimeException e) {
          log.warn("volume listener failed for {}", v.getName(), e);
        }
      }
    }
  }

  private static MetaResult refuse(Reason reason, String message) {
    return MetadataState.refuse(reason, message);
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
    return new Watch(state.records.list(kind, keyPrefix), () -> recordListeners.remove(filtered));
  }

  /** The records as they were when a watch started, and how to stop it. */
  public record Watch(List<Record> current, Runnable cancel) {}

  public synchronized Optional<Record> record(String kind, String key) {
    return Optional.ofNullable(state.records.get(kind, key));
  }

  public synchronized List<Record> records(String kind, String keyPrefix) {
    return state.records.list(kind, keyPrefix);
  }

  public synchronized List<NodeRecord> nodes() {
    return new ArrayList<>(state.nodes.values());
  }

  public synchronized Optional<NodeRecord> node(String id) {
    return Optional.ofNullable(state.nodes.get(id));
  }

  /** A node taken out by remove-node (its id and member), if this id was. */
  public synchronized Optional<NodeRecord> removedNode(String id) {
    return Optional.ofNullable(state.removed.get(id));
  }

  public synchronized List<VolumeRecord> volumes() {
    return new ArrayList<>(state.volumes.values());
  }

  public synchronized Optional<VolumeRecord> volume(String name) {
    return Optional.ofNullable(state.volumes.get(name));
  }

  /**
   * Installs a snapshot: this node's own at start, or the leader's when this node's log is too far
   * behind (raft may send one to a node back from a kill -9 instead of the entries). The entries it
   * replaces are never applied here, so every listener hears of what differs as if it had changed:
   * each volume it holds or no longer holds (else a restarted node that is the recorded primary of a
   * volume nothing changed since never opened it, and the volume stayed without a primary: the
   * fault schedule's five-node run found it so), and each record put or gone.
   */
  @Override
  public void readContentFrom(DataInput in) throws Exception {
    byte[] bytes = new byte[in.readInt()];
    in.readFully(bytes);
    ClusterSnapshot s = ClusterSnapshot.parseFrom(bytes);
    List<VolumeRecord> changed = new ArrayList<>();
    synchronized (this) {
      java.util.Set<String> gone = new java.util.TreeSet<>(state.volumes.keySet());
      java.util.Map<String, Record> recordsBefore = new java.util.HashMap<>();
      state.records.all().forEach(r -> recordsBefore.put(RecordSpace.name(r.getKind(), r.getKey()), r));
      state.nodes.clear();
      state.removed.clear();
      state.volumes.clear();
      s.getNodesList().forEach(n -> (n.getRemoved() ? state.removed : state.nodes).put(n.getId(), n));
      s.getVolumesList().forEach(v -> state.volumes.put(v.getName(), v));
      state.records.replaceAll(s.getRecordsList());
      state.nextUid = s.getNextUid();
      gone.removeAll(state.volumes.keySet());
      changed.addAll(state.volumes.values());
      gone.forEach(name -> changed.add(VolumeRecord.newBuilder().setName(name).build()));
      // Under the lock, as apply does: a watcher sees each change once.
      for (Record r : state.records.all()) {
        if (!r.equals(recordsBefore.remove(RecordSpace.name(r.getKind(), r.getKey())))) {
          notifyRecord(new RecordChange(false, r));
        }
      }
      recordsBefore.values().forEach(r -> notifyRecord(new RecordChange(true, r)));
    }
    volumesChanged(changed);
  }

  @Override
  public synchronized void writeContentTo(DataOutput out) throws Exception {
    byte[] bytes = ClusterSnapshot.newBuilder().addAllNodes(state.nodes.values()).addAllNodes(state.removed.values())
        .addAllVolumes(state.volumes.values()).addAllRecords(state.records.all()).setNextUid(state.nextUid)
        .build().toByteArray();
    out.writeInt(bytes.length);
    out.write(bytes);
  }
}
