package org.snipblock.adapter.records;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Optional;
import org.snipblock.node.admin.v1.Record;

/**
 * The storage cluster's replicated records (in its raft metadata: a write is committed by a majority,
 * any node answers reads), reached through the admin API of whichever listed node answers.
 */
public final class ClusterRecords {
  /** One record as stored: its key, JSON bytes and version. */
  public record Entry(String key, byte[] value, long version) {}

  private final AdminNodes nodes;

  public ClusterRecords(AdminNodes nodes) {
    this.nodes = nodes;
  }

  public Optional<Entry> get(String kind, String key) {
    return nodes.call(c -> c.getRecord(kind, key)).map(ClusterRecords::entry);
  }

  public List<Entry> list(String kind, String prefix) {
    return nodes.call(c -> c.listRecords(kind, prefix)).stream().map(ClusterRecords::entry).toList();
  }

  /** Compare-and-set: {@code expectedVersion} 0 creates; else the record must still have that version. */
  public Entry put(String kind, String key, byte[] value, long expectedVersion) {
    try {
      return entry(nodes.call(c -> c.putRecord(kind, key, value, expectedVersion)));
    } catch (StatusRuntimeException e) {
      throw conflictOr(e, kind, key);
    }
  }

  /** Deletes if the version still matches (0: any); false if there was no such record. */
  public boolean delete(String kind, String key, long expectedVersion) {
    try {
      nodes.call(c -> c.deleteRecord(kind, key, expectedVersion));
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw conflictOr(e, kind, key);
    }
  }

  private static RuntimeException conflictOr(StatusRuntimeException e, String kind, String key) {
    Status.Code code = e.getStatus().getCode();
    if (code == Status.Code.ABORTED || code == Status.Code.ALREADY_EXISTS || code == Status.Code.NOT_FOUND) {
      return new RecordConflict(kind + " " + key + ": " + e.getStatus().getDescription());
    }
    return e;
  }

  private static Entry entry(Record r) {
    ByteString value = r.getValue();
    return new Entry(r.getKey(), value.toByteArray(), r.getVersion());
  }
}
