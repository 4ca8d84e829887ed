package org.snipblock.cluster.replica;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.meta.Stripes;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The volume's changes as the primary sends them out: each is applied to the local copy and, one
 * replicated op per touched snippet, to that snippet's other holders, all in sequence order. The
 * mode is each snippet's own, so a change spanning both modes waits for the quorums of its sync
 * pieces only; its async pieces follow in the same order.
 */
final class ChangeStream {
  private static final Logger log = LoggerFactory.getLogger(ChangeStream.class);

  private static final CompletableFuture<Void> NOT_SENT = CompletableFuture.failedFuture(
      new BlockDeviceException(Kind.IO_ERROR, "holder is no replica node of the volume"));

  /** Where a change sits in the stream: a piece per touched snippet, or one op for the volume (a barrier). */
  private enum Order { PIECES, FLUSH, BARRIER }

  /** The op for one piece {@code [offset, offset+length)} of a change; null: nothing to send after all. */
  private interface PieceOp {
    CompletableFuture<ReplicaOp.Builder> build(long offset, long length);
  }

  private final VolumeView view;
  private final BlockDevice local;
  private final Sequencer sequencer;
  private final ReplicaLinks links;
  private final InSyncOnRecord inSync;
  private final Duration ackTimeout;
  private final AckDeadlines deadlines;
  /**
   * The placement entries written since the last flush, each with one snippet index that uses it;
   * read and changed in the sequencer's turn, given back from a failed flush's completion.
   */
  private final Map<SnippetPlacement, Integer> unflushed = new HashMap<>();

  ChangeStream(VolumeView view, BlockDevice local, Sequencer sequencer, ReplicaLinks links, InSyncOnRecord inSync,
      Duration ackTimeout) {
    this.view = view;
    this.local = local;
    this.sequencer = sequencer;
    this.links = links;
    this.inSync = inSync;
    this.ackTimeout = ackTimeout;
    this.deadlines = new AckDeadlines(ackTimeout);
  }

  CompletableFuture<Void> write(long offset, ByteString data, boolean fua) {
    return change(offset, data.size(), fua, Order.PIECES, () -> local.write(offset, data.asReadOnlyByteBuffer(), fua),
        (o, l) -> CompletableFuture.completedFuture(writeOp(data, offset, o, l, fua)));
  }

  CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    ReplicaOp.Kind kind = mayUnmap ? ReplicaOp.Kind.TRIM : ReplicaOp.Kind.ZEROES;
    return change(offset, length, fua, Order.PIECES, () -> local.writeZeroes(offset, length, mayUnmap, fua),
        (o, l) -> CompletableFuture.completedFuture(op(kind, o, l, fua)));
  }

  CompletableFuture<Void> flush() {
    return change(0, 0, true, Order.FLUSH, local::flush,
        (o, l) -> CompletableFuture.completedFuture(op(ReplicaOp.Kind.FLUSH, 0, 0, true)));
  }

  /**
   * Taking or deleting a snapshot as one op of the stream, a barrier like a flush: {@code localApply}
   * runs once every earlier change is applied here, and before any later one; each replica applies
   * it at the same point of its stream.
   */
  CompletableFuture<Void> snapshot(ReplicaOp.Kind kind, String name, Supplier<CompletableFuture<Void>> localApply) {
    return snapshot(kind, name, 0, localApply);
  }

  /** As {@link #snapshot(ReplicaOp.Kind, String, Supplier)}, carrying the origin of a snapshot an import made. */
  CompletableFuture<Void> snapshot(ReplicaOp.Kind kind, String name, long origin,
      Supplier<CompletableFuture<Void>> localApply) {
    return change(0, 0, true, Order.BARRIER, localApply,
        (o, l) -> CompletableFuture.completedFuture(op(kind, 0, 0, true).setSnapshot(name).setOrigin(origin)));
  }

  /** Completes {@code verdict} with the local copy's answer (-1: the comparison held). */
  CompletableFuture<Void> compareAndWrite(long offset, ByteBuffer expected, ByteString data, boolean fua,
      CompletableFuture<Long> verdict) {
    return change(offset, data.size(), fua, Order.PIECES,
        () -> local.compareAndWrite(offset, expected, data.asReadOnlyByteBuffer(), fua).thenAccept(verdict::complete),
        // Only a successful comparison changes the copies; a failed one sends nothing.
        (o, l) -> verdict.thenApply(r -> r != -1 ? null : writeOp(data, offset, o, l, fua)));
  }

  /** The WRITE of {@code [o, o+l)}, cut from {@code data} (which starts at {@code dataOffset}), with its CRC32C. */
  static ReplicaOp.Builder writeOp(ByteString data, long dataOffset, long o, long l, boolean fua) {
    ByteString piece = data.substring((int) (o - dataOffset), (int) (o - dataOffset + l));
    return op(ReplicaOp.Kind.WRITE, o, l, fua).setData(piece).setCrc32C(Checksums.crc32c(piece));
  }

  private static ReplicaOp.Builder op(ReplicaOp.Kind kind, long offset, long length, boolean fua) {
    return ReplicaOp.newBuilder().setKind(kind).setOffset(offset).setLength(length).setFua(fua);
  }

  /** Sequences one change: the local apply and one replicated op per touched snippet (a barrier: one for the volume). */
  private CompletableFuture<Void> change(long offset, long length, boolean fua, Order order,
      Supplier<CompletableFuture<Void>> localApply, PieceOp piece) {
    List<WriteQuorum> quorums = new ArrayList<>();
    CompletableFuture<Void> localDone = sequencer.inTurn(turn -> {
      long firstSeq = turn.next();
      CompletableFuture<Void> applied = turn.local(firstSeq, offset, length, order != Order.PIECES, localApply);
      if (order != Order.PIECES) {
        quorums.addAll(sendFlush(turn, firstSeq, piece, order == Order.FLUSH));
      } else {
        long snippetSize = turn.volume().getSnippetSize();
        for (long pos = offset, end = offset + length; pos < end; ) {
          int index = (int) (pos / snippetSize);
          long pieceEnd = Math.min(end, (index + 1) * snippetSize);
          quorums.add(sendPiece(turn, pos == offset ? firstSeq : turn.next(), index, pos, pieceEnd - pos, piece));
          pos = pieceEnd;
        }
      }
      if (quorums.stream().anyMatch(WriteQuorum::awaitsReplicas)) {
        turn.sendsFirst();
      }
      return applied;
    });
    String name = view.name();
    List<CompletableFuture<Void>> awaited = new ArrayList<>();
    for (WriteQuorum q : quorums) {
      CompletableFuture<Void> reached = q.reached();
      if (q.awaited()) {
        awaited.add(reached);
      } else {
        reached.exceptionally(e -> {
          log.debug("volume {}: async replication incomplete: {}", name, e.getMessage());
          return null;
        });
      }
    }
    if (awaited.isEmpty()) {
      return localDone;
    }
    CompletableFuture<Void> all = deadlines.bound(CompletableFuture.allOf(awaited.toArray(CompletableFuture[]::new)));
    return localDone.thenCombine(all, (a, b) -> (Void) null).thenCompose(x -> links.staleRecorded())
        .exceptionallyCompose(e -> {
          if (e instanceof TimeoutException
              || e instanceof CompletionException && e.getCause() instanceof TimeoutException) {
            return CompletableFuture.failedFuture(new BlockDeviceException(Kind.IO_ERROR,
                "replicas of " + name + " did not acknowledge within " + ackTimeout));
          }
          return CompletableFuture.failedFuture(e);
        });
  }

  /**
   * A flush goes to every replica node once. It waits (where the mode says so) for min-copies
   * acknowledgements from the replicas at large, as before, and also from the holders of each
   * placement entry written since the previous flush: each replica flushes its whole copy, so a
   * flush acknowledged by holders of other snippets makes nothing durable on the written ones.
   * Another barrier (a snapshot) counts as before and leaves what was written owed to the next flush.
   */
  private List<WriteQuorum> sendFlush(Sequencer.Turn turn, long seq, PieceOp piece, boolean durable) {
    VolumeRecord v = turn.volume();
    List<WriteQuorum> quorums = new ArrayList<>();
    WriteQuorum any = WriteQuorum.ofFlush(v, view.anySync(v), inSync);
    quorums.add(any);
    Map<String, CompletableFuture<Void>> acks = new HashMap<>();
    CompletableFuture<ReplicaOp> op = links.onSendLoop(turn.op(seq, () -> piece.build(0, 0)));
    for (String node : view.replicaNodes(v)) {
      CompletableFuture<Void> ack = links.open(node).send(seq, 0, op);
      acks.put(node, ack);
      // A stale holder's flush counts once every snippet it holds is resynced.
      any.count(node, ack, StaleCopies.anywhere(v, node), -1);
    }
    if (!durable) {
      return quorums;
    }
    Map<SnippetPlacement, Integer> written;
    synchronized (unflushed) {
      written = new HashMap<>(unflushed);
      unflushed.clear();
    }
    for (int index : written.values()) {
      SnippetPlacement s = Stripes.at(v, index);
      WriteQuorum holders = WriteQuorum.ofSnippet(v, index, view.selfId, inSync);
      for (String node : s.getNodesList()) {
        if (!node.equals(view.selfId)) {
          holders.count(node, acks.getOrDefault(node, NOT_SENT), s.getStaleList().contains(node), index);
        }
      }
      quorums.add(holders);
    }
    // Until a flush has made them durable, the entries written stay owed to the next one.
    CompletableFuture<?>[] all = quorums.stream().map(WriteQuorum::reached).toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(all).exceptionally(e -> {
      synchronized (unflushed) {
        written.forEach(unflushed::putIfAbsent);
      }
      return null;
    });
    return quorums;
  }

  private WriteQuorum sendPiece(Sequencer.Turn turn, long seq, int index, long offset, long length, PieceOp piece) {
    VolumeRecord v = turn.volume();
    SnippetPlacement s = Stripes.at(v, index);
    WriteQuorum quorum = WriteQuorum.ofSnippet(v, index, view.selfId, inSync);
    if (s.getNodesCount() == 1 && s.getNodesList().contains(view.selfId)) {
      return quorum;
    }
    synchronized (unflushed) {
      unflushed.putIfAbsent(s, index);
    }
    // Built once and shared by every holder's stream: the slice and its CRC32C cost per piece, not per copy.
    // Sent from the streams' thread: one wake-up for every holder, and the writer goes on with its
    // local apply (sync) or its reply (async) meanwhile. Sent from the writer, each holder's send
    // woke its channel's thread, which could take the CPU before the next holder's send.
    CompletableFuture<ReplicaOp> op = links.onSendLoop(turn.op(seq, () -> piece.build(offset, length)));
    for (String node : s.getNodesList()) {
      if (!node.equals(view.selfId)) {
        quorum.count(node, links.open(node).send(seq, length, op), s.getStaleList().contains(node), index);
      }
    }
    return quorum;
  }
}
