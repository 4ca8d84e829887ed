package org.snipblock.cluster.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.snipblock.cluster.proto.DeleteRecord;
import org.snipblock.cluster.proto.PutRecord;
import org.snipblock.cluster.proto.Record;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * The schema-free records of the cluster's users (the hypervisor adapter's VMs, hosts, tasks),
 * part of the metadata state machine: keyed by (kind, key), compare-and-set on a version. Not
 * thread-safe: {@link ClusterMetadata} holds its lock around every call.
 */
final class RecordSpace {
  /** All records together (keys and values) may not grow beyond this: the snapshot is held in memory. */
  static final long MAX_TOTAL_BYTES = 64L << 20;

  /** kind + '\0' + key: sorted by kind, then key, so a kind's records are one range. */
  private final TreeMap<String, Record> records = new TreeMap<>();
  private long totalBytes;

  /** Applies a put; the answer is the record as stored, or the refusal. */
  Record put(PutRecord p) {
    RecordLimits.check(p.getKind(), p.getKey(), p.getValue().size());
    String id = id(p.getKind(), p.getKey());
    Record old = records.get(id);
    if (p.getExpectedVersion() == 0 && old != null) {
      throw new VolumeAdminException(Reason.ALREADY_EXISTS, "record " + name(p.getKind(), p.getKey())
          + " already exists (at version " + old.getVersion() + ")");
    }
    if (p.getExpectedVersion() != 0) {
      if (old == null) {
        throw new VolumeAdminException(Reason.NOT_FOUND, "no record " + name(p.getKind(), p.getKey()));
      }
      if (old.getVersion() != p.getExpectedVersion()) {
        throw conflict(old, p.getExpectedVersion());
      }
    }
    long grown = size(p.getKey(), p.getValue().size()) - (old == null ? 0 : size(old));
    if (totalBytes + grown > MAX_TOTAL_BYTES) {
      throw new VolumeAdminException(Reason.NO_SPACE, "records would take more than "
          + (MAX_TOTAL_BYTES >> 20) + " MiB together; delete some first");
    }
    Record stored = Record.newBuilder().setKind(p.getKind()).setKey(p.getKey()).setValue(p.getValue())
        .setVersion(old == null ? 1 : old.getVersion() + 1).build();
    records.put(id, stored);
    totalBytes += grown;
    return stored;
  }

  /** Applies a delete; the answer is the record removed. */
  Record delete(DeleteRecord d) {
    RecordLimits.check(d.getKind(), d.getKey(), 0);
    String id = id(d.getKind(), d.getKey());
    Record old = records.get(id);
    if (old == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no record " + name(d.getKind(), d.getKey()));
    }
    if (d.getExpectedVersion() != 0 && old.getVersion() != d.getExpectedVersion()) {
      throw conflict(old, d.getExpectedVersion());
    }
    records.remove(id);
    totalBytes -= size(old);
    return old;
  }

  Record get(String kind, String key) {
    return records.get(id(kind, key));
  }

  /** The records of a kind whose key starts with the prefix, sorted by key. */
  List<Record> list(String kind, String keyPrefix) {
    String from = id(kind, keyPrefix);
    List<Record> out = new ArrayList<>();
    for (Map.Entry<String, Record> e : records.tailMap(from, true).entrySet()) {
      if (!e.getKey().startsWith(from)) {
        break;
      }
      out.add(e.getValue());
    }
    return out;
  }

  List<Record> all() {
    return new ArrayList<>(records.values());
  }

  /** Replaces every record (a snapshot being installed). */
  void replaceAll(List<Record> all) {
    records.clear();
    totalBytes = 0;
    for (Record r : all) {
      records.put(id(r.getKind(), r.getKey()), r);
      totalBytes += size(r);
    }
  }

  static boolean matches(Record r, String kind, String keyPrefix) {
    return r.getKind().equals(kind) && r.getKey().startsWith(keyPrefix);
  }

  private static VolumeAdminException conflict(Record old, long expected) {
    return new VolumeAdminException(Reason.CONFLICT, "record " + name(old.getKind(), old.getKey())
        + " is at version " + old.getVersion() + ", not " + expected + ": it changed since it was read");
  }

  private static String id(String kind, String key) {
    return kind + '\0' + key;
  }

  static String name(String kind, String key) {
    return kind + "/" + key;
  }

  private static long size(Record r) {
    return size(r.getKey(), r.getValue().size());
  }

  private static long size(String key, int valueBytes) {
    return key.length() + (long) valueBytes;
  }
}
