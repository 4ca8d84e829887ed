package org.snipblock.node.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.time.Instant;
import java.util.List;
import org.snipblock.node.admin.v1.Volume;

/** A volume as the CLI prints it, in text or JSON. */
record VolumeView(
    String name,
    // The tenant that owns it; null: the operator's.
    String tenant,
    long id,
    long provisionedBytes,
    long usedBytes,
    long storedBytes,
    int blockSize,
    int snippetSize,
    boolean compression,
    long snippets,
    long checksumErrors,
    String created,
    Io io,
    boolean readOnly,
    // For a clone: VOLUME@SNAPSHOT it reads through to.
    String parent,
    List<SnapshotCommands.SnapshotView> snapshots,
    List<String> children,
    Resync flatten,
    // A clustered clone being flattened: holders whose copy still reads from the parent.
    List<String> flattenWaitingFor,
    // A clustered clone: holders whose copy shares nothing with the parent (a full copy).
    List<String> unsharedCopies,
    // Top-level fields in JSON (primary, epoch, mode...), absent on a standalone node.
    @JsonUnwrapped Replication replication,
    // Top-level fields in JSON too (responseMillis, consumer, modeControl, catchingUp...), absent on a standalone node.
    @JsonUnwrapped FollowingView following,
    // The I/O limits, and the throttle's state where known (null until attached with withQos).
    Qos qos) {

  /** @param limits canonical QEMU-style text or "none"; the state fields mean something only when stateKnown */
  record Qos(String limits, String group, List<String> members, boolean stateKnown, boolean throttled, int waiting,
      long delayed, String primary) {}

  /** This view with the volume's QoS as the node answered it. */
  VolumeView withQos(org.snipblock.node.admin.v1.VolumeQos q) {
    return new VolumeView(name, tenant, id, provisionedBytes, usedBytes, storedBytes, blockSize, snippetSize, compression,
        snippets, checksumErrors, created, io, readOnly, parent, snapshots, children, flatten, flattenWaitingFor,
        unsharedCopies, replication, following,
        new Qos(q.getLimits(), q.getGroup().isEmpty() ? null : q.getGroup(), List.copyOf(q.getMembersList()),
            q.getStateKnown(), q.getThrottled(), q.getWaiting(), q.getDelayed(),
            q.getPrimary().isEmpty() ? null : q.getPrimary()));
  }


  record Io(long reads, long writes, long readBytes, long writtenBytes, long flushes, long errors) {}

  /** @param lagBytes -1 when the answering node is not the volume's primary (only the primary measures it) */
  record Replication(String primary, long epoch, String mode, int copies, int minCopies, String spread,
      long lagBytes, double lagSeconds, List<String> unreachable, List<String> stale,
      List<List<String>> snippetReplicas, List<Resync> resyncs, List<String> snippetModes, List<CopyMoveView> moving,
      List<String> sites) {}

  /** @param purpose resync, scrub or verify; @param failure why the last attempt failed, or null */
  record Resync(String node, String purpose, long snippetsDone, long snippetsTotal, long bytesCopied, boolean running,
      String failure) {}

  static VolumeView of(Volume v) {
    return new VolumeView(v.getName(), v.getTenant().isEmpty() ? null : v.getTenant(), v.getId(), v.getProvisionedBytes(), v.getUsedBytes(),
        v.getStoredBytes(), v.getBlockSize(), v.getSnippetSize(), v.getCompression(), v.getSnippets(),
        v.getChecksumErrors(),
        v.getCreatedEpochMillis() == 0 ? null : Instant.ofEpochMilli(v.getCreatedEpochMillis()).toString(),
        new Io(v.getIo().getReads(), v.getIo().getWrites(), v.getIo().getReadBytes(),
            v.getIo().getWrittenBytes(), v.getIo().getFlushes(), v.getIo().getErrors()),
        v.getReadOnly(), v.getParent().isEmpty() ? null : v.getParent(),
        v.getSnapshotsList().stream().map(SnapshotCommands.SnapshotView::of).toList(),
        List.copyOf(v.getChildrenList()),
        v.hasFlatten() ? resync(v.getFlatten()) : null,
        List.copyOf(v.getFlattenWaitingForList()), List.copyOf(v.getUnsharedCopiesList()),
        v.hasReplication() ? replication(v.getReplication()) : null,
        v.hasReplication() ? FollowingView.of(v.getReplication()) : null, null);
  }

  private static Resync resync(org.snipblock.node.admin.v1.Resync s) {
    return new Resync(s.getNode().isEmpty() ? null : s.getNode(), s.getPurpose().isEmpty() ? null : s.getPurpose(),
        s.getSnippetsDone(), s.getSnippetsTotal(), s.getBytesCopied(), s.getRunning(),
        s.getFailure().isEmpty() ? null : s.getFailure());
  }

  private static Replication replication(org.snipblock.node.admin.v1.Replication r) {
    return new Replication(r.getPrimary(), r.getEpoch(), r.getMode(), r.getCopies(), r.getMinCopies(), r.getSpread(),
        r.getLagBytes(), r.getLagSeconds(), List.copyOf(r.getUnreachableList()), List.copyOf(r.getStaleList()),
        r.getSnippetsList().stream().map(s -> List.copyOf(s.getNodesList())).toList(),
        r.getResyncsList().stream().map(VolumeView::resync).toList(),
        List.copyOf(r.getSnippetModesList()), r.getMovingList().stream().map(CopyMoveView::of).toList(),
        List.copyOf(r.getSitesList()));
  }
}
