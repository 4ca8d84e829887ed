package org.snipblock.cluster.replica;

import java.util.List;
import org.snipblock.cluster.meta.SnippetModes;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * The primary's current view of its volume, shared by every part of the device. Only views of the
 * device's own epoch are taken in: a newer epoch means another primary, and this one must keep
 * the view it was fenced in rather than act on someone else's placement.
 */
final class VolumeView {
  /** Which modes the volume's snippets use, worked out once per view rather than on every change. */
  private record Modes(VolumeRecord of, boolean anySync, boolean anyAsync) {}

  final String selfId;
  private volatile VolumeRecord record;
  private volatile Modes modes;

  VolumeView(String selfId, VolumeRecord record) {
    this.selfId = selfId;
    this.record = record;
  }

  VolumeRecord get() {
    return record;
  }

  /** Takes in a newer view of the same epoch; returns false (keeping the old one) otherwise. */
  boolean takeIn(VolumeRecord newer) {
    VolumeRecord v = record;
    if (newer.getVersion() <= v.getVersion() || newer.getEpoch() != v.getEpoch()) {
      return false;
    }
    record = newer;
    return true;
  }

  String name() {
    return record.getName();
  }

  boolean anySync(VolumeRecord v) {
    return modes(v).anySync();
  }

  boolean anyAsync(VolumeRecord v) {
    return modes(v).anyAsync();
  }

  private Modes modes(VolumeRecord v) {
    Modes m = modes;
    if (m == null || m.of() != v) {
      m = new Modes(v, SnippetModes.any(v, SnippetModes.SYNC), SnippetModes.any(v, SnippetModes.ASYNC));
      modes = m;
    }
    return m;
  }

  /** Every other node that holds a copy of some snippet. */
  List<String> replicaNodes(VolumeRecord v) {
    return v.getSnippetsList().stream().flatMap(s -> s.getNodesList().stream())
        .filter(n -> !n.equals(selfId)).distinct().sorted().toList();
  }
}
