package org.snipblock.cluster.replica;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.replica.ReplicaService.SnapshotFiller;
import org.snipblock.cluster.replica.ReplicaService.SnapshotTaker;

/**
 * What each kind of replicated op does to this node's copy of a volume, once the replica has
 * admitted it in order: data ops go to the copy's handle, snapshot ops and rollbacks to the node's
 * store, which the node plugs in (a replica alone takes, deletes, fills and rolls back nothing).
 */
final class CopyOps {
  private volatile SnapshotTaker snapshots = (v, s, o) ->
      CompletableFuture.failedFuture(new IllegalStateException("this node takes no snapshots"));
  private volatile BiFunction<String, String, CompletableFuture<Void>> snapshotDeletes = (v, s) ->
      CompletableFuture.failedFuture(new IllegalStateException("this node deletes no snapshots"));
  private volatile BiFunction<String, String, CompletableFuture<Void>> rollbacks = (v, s) ->
      CompletableFuture.failedFuture(new IllegalStateException("this node rolls nothing back"));
  private volatile Function<String, List<String>> snapshotNames = v -> List.of();
  private volatile SnapshotFiller snapshotFills = (v, s, o, d) ->
      CompletableFuture.failedFuture(new IllegalStateException("this node fills no snapshots"));

  void snapshotsWith(SnapshotTaker taker, BiFunction<String, String, CompletableFuture<Void>> deleter,
      BiFunction<String, String, CompletableFuture<Void>> rollback, Function<String, List<String>> lister) {
    this.snapshots = taker;
    this.snapshotDeletes = deleter;
    this.rollbacks = rollback;
    this.snapshotNames = lister;
  }

  void fillsWith(SnapshotFiller filler) {
    this.snapshotFills = filler;
  }

  /** The snapshots of this node's copy of {@code volume}, oldest first. */
  List<String> snapshotNames(String volume) {
    return snapshotNames.apply(volume);
  }

  CompletableFuture<Void> apply(ReopenableDevice d, ReplicaOp op) {
    try {
      return switch (op.getKind()) {
        case WRITE -> d.write(op.getOffset(), op.getData().asReadOnlyByteBuffer(), op.getFua());
        case ZEROES -> d.writeZeroes(op.getOffset(), op.getLength(), false, op.getFua());
        case TRIM -> d.trim(op.getOffset(), op.getLength(), op.getFua());
        case FLUSH -> d.flush();
        case SNAPSHOT -> snapshots.take(op.getVolume(), op.getSnapshot(), op.getOrigin());
        case SNAPSHOT_DELETE -> snapshotDeletes.apply(op.getVolume(), op.getSnapshot());
        case SNAPSHOT_FILL -> snapshotFills.fill(op.getVolume(), op.getSnapshot(), op.getOffset(),
            op.getData().asReadOnlyByteBuffer());
        // The store fails the handles opened before a rollback: this side goes on with a new one.
        case ROLLBACK -> rollbacks.apply(op.getVolume(), op.getSnapshot()).thenRun(d::reopen);
        case UNRECOGNIZED -> CompletableFuture.failedFuture(new IllegalArgumentException("unknown op kind"));
      };
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
