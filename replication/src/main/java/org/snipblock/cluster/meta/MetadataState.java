package org.snipblock.cluster.meta;

import java.util.Map;
import java.util.TreeMap;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * What the metadata state machine holds, as its command handlers change it: nodes, volumes,
 * records and the next uid. Not thread-safe: {@link ClusterMetadata} holds its lock around every
 * handler. Handlers refuse by returning {@link #refuse} or throwing {@link VolumeAdminException}.
 */
final class MetadataState {
  final Map<String, NodeRecord> nodes = new TreeMap<>();
  // Nodes taken out by remove-node, by id: a restart of one is refused (NodeRecord.removed).
  final Map<String, NodeRecord> removed = new TreeMap<>();
  final Map<String, VolumeRecord> volumes = new TreeMap<>();
  final RecordSpace records = new RecordSpace();
  long nextUid = 1;
  /** Volumes a command changed besides the one its result names (listeners hear of each); cleared per command. */
  final java.util.List<VolumeRecord> alsoChanged = new java.util.ArrayList<>();

  /** The named volume; NOT_FOUND if there is none. */
  VolumeRecord volume(String name) {
    VolumeRecord v = volumes.get(name);
    if (v == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + name);
    }
    return v;
  }

  /** The node with this id; NOT_FOUND if there is none. */
  NodeRecord node(String id) {
    NodeRecord n = nodes.get(id);
    if (n == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "unknown node " + id);
    }
    return n;
  }

  /**
   * Stores a changed volume at the next version and answers with it. A copy move whose source or
   * target no longer holds the stripe (re-replicated away from a dead node, say) ends here, whatever
   * command changed the holders: nothing would ever finish it, and it would show as moving forever.
   */
  MetaResult store(VolumeRecord changed) {
    VolumeRecord v = CopyMoves.withoutStrandedMoves(changed).toBuilder().setVersion(changed.getVersion() + 1).build();
    volumes.put(v.getName(), v);
    return ok(v);
  }

  static MetaResult ok() {
    return MetaResult.newBuilder().setOk(true).build();
  }

  static MetaResult ok(VolumeRecord v) {
    return MetaResult.newBuilder().setOk(true).setVolume(v).build();
  }

  static MetaResult refuse(Reason reason, String message) {
    return MetaResult.newBuilder().setOk(false).setReason(reason.name()).setError(message).build();
  }
}
