package org.snipblock.cluster;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.meta.MetadataClient;
import org.snipblock.cluster.meta.RecordLimits;
import org.snipblock.cluster.proto.DeleteRecord;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.PutRecord;
import org.snipblock.cluster.proto.Record;

/**
 * The records of the cluster's users, as one node offers them: writes go through the raft log
 * (from any node: the log sends them to its leader) and return once this node's copy applied them;
 * reads come from this node's copy of the state machine, so a client reads its own writes through
 * the same node (a write through another node shows here with this node's next commit). Failures are {@link org.snipblock.store.VolumeAdminException}s.
 */
public final class ClusterRecords {
  private final ClusterMetadata metadata;
  private final MetadataClient client;

  ClusterRecords(ClusterMetadata metadata, MetadataClient client) {
    this.metadata = metadata;
    this.client = client;
  }

  /** Compare-and-set: {@code expectedVersion} 0 creates; returns the record as stored. */
  public Record put(String kind, String key, ByteString value, long expectedVersion) {
    RecordLimits.check(kind, key, value.size());
    return client.commitSeen(MetaCommand.newBuilder().setPutRecord(PutRecord.newBuilder().setKind(kind).setKey(key)
        .setValue(value).setExpectedVersion(expectedVersion)).build()).getRecord();
  }

  /** {@code expectedVersion} 0 = whatever version; returns the record as it was. */
  public Record delete(String kind, String key, long expectedVersion) {
    RecordLimits.check(kind, key, 0);
    return client.commitSeen(MetaCommand.newBuilder().setDeleteRecord(DeleteRecord.newBuilder().setKind(kind)
        .setKey(key).setExpectedVersion(expectedVersion)).build()).getRecord();
  }

  public Optional<Record> get(String kind, String key) {
    RecordLimits.check(kind, key, 0);
    return metadata.record(kind, key);
  }

  public List<Record> list(String kind, String keyPrefix) {
    RecordLimits.checkKind(kind);
    RecordLimits.checkPrefix(keyPrefix);
    return metadata.records(kind, keyPrefix);
  }

  /** See {@link ClusterMetadata#watchRecords}: the listener must only hand the change on. */
  public ClusterMetadata.Watch watch(String kind, String keyPrefix, Consumer<ClusterMetadata.RecordChange> listener) {
    RecordLimits.checkKind(kind);
    RecordLimits.checkPrefix(keyPrefix);
    return metadata.watchRecords(kind, keyPrefix, listener);
  }
}
