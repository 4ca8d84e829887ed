package org.snipblock.cluster.replica;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import io.grpc.ManagedChannel;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.BlockRange;
import org.snipblock.block.Extent;
import org.snipblock.cluster.meta.SnippetModes;
import org.snipblock.cluster.meta.StaleCopies;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A volume as its primary serves it: every change is given the next sequence number of the
 * volume, applied to the local copy and streamed to the replicas of the snippets it touches;
 * overlapping changes are applied in sequence order on every copy. In SYNC mode a change is
 * acknowledged once min-copies copies of each touched snippet hold it (FUA and flush travel to the
 * replicas); in ASYNC mode once the local copy does, with the replicas following in order and new
 * writes held back while the unacknowledged tail exceeds the configured bound. The mode is each
 * snippet's own (its override, else the volume's): a change spanning both waits for the quorums of
 * its sync pieces only.
 *
 * <p>Sequence numbers carry the epoch in their high bits, so everything a newer primary sends
 * sorts after everything an older one sent. The device refuses changes with NOT_PRIMARY as soon
 * as it learns of a newer epoch, loses its primaryship in the metadata, or finds itself cut off
 * from the metadata majority.
 */
public final class ReplicatedBlockDevice implements BlockDevice {
  private static final Logger log = LoggerFactory.getLogger(ReplicatedBlockDevice.class);
  private static final int EPOCH_SHIFT = 40;
  // Unit of checksum repair: whole chunks of the store below, whatever its own chunk size divides.
  private static final int REPAIR_CHUNK = Resync.CHUNK;

  private final String selfId;
  private final BlockDevice local;
  private final EpochAuthority authority;
  private final Function<String, ManagedChannel> channels;
  private final ReplicationSettings settings;
  private final ReplicaRegistry registry;
  private final Map<String, Resync> resyncs = new ConcurrentHashMap<>();
  // Per replica: the resync under way, until its result is on record.
  private final Map<String, CompletableFuture<Void>> resyncRuns = new ConcurrentHashMap<>();
  // Sync acknowledgements wait for this: the latest "holder X is stale" record being committed.
  private volatile CompletableFuture<Void> confirmed;
  private volatile boolean fenced;
  private volatile CompletableFuture<Void> staleRecorded = CompletableFuture.completedFuture(null);
  private final Map<String, ReplicaLink> links = new ConcurrentHashMap<>();
  private final OverlapOrder order = new OverlapOrder();
  private final Object sequencer = new Object();
  private final AtomicLong counter = new AtomicLong();
  private final SequenceReservation reservation;
  private final java.util.Set<String> uncheckedSinceRestart = ConcurrentHashMap.newKeySet();
  private final AtomicLong highestEpochSeen = new AtomicLong();
  private final AtomicLong chunksRestored = new AtomicLong();
  private final AtomicLong confirmations = new AtomicLong();
  private final List<CompletableFuture<Void>> lagWaiters = new ArrayList<>();
  private final InSyncOnRecord inSync = new InSyncOnRecord(() -> this.volume);
  private volatile VolumeRecord volume;
  private volatile Modes modes;
  private Scrub lastScrub;
  private CompletableFuture<VerifyReport> scrubRun;
  private long lastScrubStartNanos = System.nanoTime();
  private volatile boolean closed;

  public ReplicatedBlockDevice(String selfId, VolumeRecord volume, BlockDevice local, EpochAuthority authority,
      Function<String, ManagedChannel> channels, ReplicationSettings settings, ReplicaRegistry registry) {
    this(selfId, volume, local, authority, channels, settings, registry, null);
  }

  /**
   * @param sequences where this primary reserves its sequence numbers ahead, so that after a restart at
   *                  the same epoch it never reuses one (null: only safe if it never restarts as primary
   *                  without a new epoch); the constructor then blocks on one small disk write
   */
  public ReplicatedBlockDevice(String selfId, VolumeRecord volume, BlockDevice local, EpochAuthority authority,
      Function<String, ManagedChannel> channels, ReplicationSettings settings, ReplicaRegistry registry,
      DurableProgress sequences) {
    this.selfId = selfId;
    this.reservation = sequences == null ? null
        : new SequenceReservation(sequences, volume.getName(), volume.getUid(), volume.getEpoch());
    counter.set(reservation == null ? 0 : reservation.start());
    if (counter.get() > 0) {
      // This node was the primary at this epoch before it restarted: what it sent then may not all
      // have arrived (async tails, acks in flight), so every replica is compared once, by delta.
      uncheckedSinceRestart.addAll(replicaNodes(volume));
    }
    this.registry = registry;
    this.volume = volume;
    this.local = local;
    this.authority = authority;
    this.channels = channels;
    this.settings = settings;
    this.highestEpochSeen.set(volume.getEpoch());
    // A node that has just come back may replay an old "you are primary" before it catches up:
    // the first change waits for the log to confirm it.
    reconfirm();
  }

  /**
   * Asks the log again whether this node is still the primary, and holds changes until it answers.
   * Called whenever the membership changes: a node that was cut off and is back may not yet have
   * applied the epoch the majority moved on to.
   */
  public void reconfirm() {
    VolumeRecord v = volume;
    long attempt = confirmations.incrementAndGet();
    CompletableFuture<Void> check = registry.confirmPrimary(v.getName(), v.getEpoch());
    check.whenComplete((x, e) -> {
      // Only the latest answer counts: an old refusal must not fence a primaryship confirmed since.
      if (closed || attempt != confirmations.get()) {
        return;
      }
      if (e != null) {
        fenced = true;
        log.warn("volume {}: primaryship at epoch {} not confirmed, fenced: {}", v.getName(), v.getEpoch(),
            e.getMessage());
      } else if (fenced) {
        // The log says this node still is the primary at this epoch: nobody else can have written since.
        fenced = false;
        log.info("volume {}: primaryship at epoch {} confirmed again", v.getName(), v.getEpoch());
      }
    });
    confirmed = check;
  }

  /** Takes in a newer committed view of the volume (mode switch, new epoch, new placement). */
  public void update(VolumeRecord newer) {
    highestEpochSeen.accumulateAndGet(newer.getEpoch(), Math::max);
    if (newer.getVersion() <= volume.getVersion()) {
      return;
    }
    if (newer.getEpoch() == volume.getEpoch()) {
      volume = newer;
      inSync.recorded();
    } else {
      log.info("volume {}: epoch {} -> {} (primary {}), this device is fenced", newer.getName(),
          volume.getEpoch(), newer.getEpoch(), newer.getPrimary());
    }
  }

  public long epoch() {
    return volume.getEpoch();
  }

  /** The volume's mode (snippets may override it: {@link SnippetModes#effective}). */
  public ReplicationMode mode() {
    return ReplicationMode.parse(volume.getMode());
  }

  /** Which modes the volume's snippets use, worked out once per view of the volume. */
  private record Modes(VolumeRecord of, boolean anySync, boolean anyAsync) {}

  private Modes modes(VolumeRecord v) {
    Modes m = modes;
    if (m == null || m.of() != v) {
      m = new Modes(v, SnippetModes.any(v, SnippetModes.SYNC), SnippetModes.any(v, SnippetModes.ASYNC));
      modes = m;
    }
    return m;
  }

  /** True while this device may accept changes. */
  public boolean primary() {
    VolumeRecord v = volume;
    return !closed && !fenced && selfId.equals(v.getPrimary()) && highestEpochSeen.get() <= v.getEpoch()
        && authority.epoch(v.getName()) <= v.getEpoch() && authority.inMajority();
  }

  /** Bytes sent to reachable replicas and not yet acknowledged (the largest over replicas). */
  public long lagBytes() {
    return links.values().stream().filter(l -> !l.broken()).mapToLong(ReplicaLink::lagBytes).max().orElse(0);
  }

  /** Age of the oldest unacknowledged change at a reachable replica, in seconds. */
  public double lagSeconds() {
    return links.values().stream().filter(l -> !l.broken()).mapToDouble(ReplicaLink::lagSeconds).max().orElse(0);
  }

  /** Replicas this device could not reach (their copies need a resync). */
  public List<String> unreachableReplicas() {
    return links.values().stream().filter(ReplicaLink::broken).map(l -> l.nodeId).sorted().toList();
  }

  @Override public String name() { return volume.getName(); }
  @Override public long size() { return volume.getSize(); }
  @Override public int blockSize() { return volume.getBlockSize(); }
  @Override public long uniqueId() { return volume.getUid(); }
  @Override public boolean readOnly() { return false; }

  /**
   * Reads the local copy. Data that fails its checksum is never returned: each chunk the local copy
   * cannot read is fetched from a replica in sync (verified in transit), written back over the bad
   * chunk as a sequenced change, and served.
   */
  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    if (closed) {
      return unavailable();
    }
    int at = dst.position();
    int length = dst.remaining();
    return local.read(offset, dst).exceptionallyCompose(e -> BlockDeviceException.kindOf(e) == Kind.MEDIUM_ERROR
        && !closed ? readRepairing(offset, dst, at, length) : CompletableFuture.failedFuture(e));
  }

  private CompletableFuture<Void> readRepairing(long offset, ByteBuffer dst, int at, int length) {
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    long end = offset + length;
    for (long c = offset - offset % REPAIR_CHUNK; c < end; c += REPAIR_CHUNK) {
      long chunk = c;
      int chunkLength = (int) Math.min(REPAIR_CHUNK, size() - c);
      ByteBuffer b = ByteBuffer.allocate(chunkLength);
      CompletableFuture<ByteBuffer> data = local.read(chunk, b).thenApply(x -> b.flip())
          .exceptionallyCompose(e -> BlockDeviceException.kindOf(e) == Kind.MEDIUM_ERROR
              ? repairLocal(chunk, chunkLength).thenApply(ByteString::asReadOnlyByteBuffer)
              : CompletableFuture.failedFuture(e));
      parts.add(data.thenAccept(d -> {
        long from = Math.max(offset, chunk);
        long to = Math.min(end, chunk + chunkLength);
        dst.put(at + (int) (from - offset), d, d.position() + (int) (from - chunk), (int) (to - from));
      }));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenRun(() -> dst.position(at + length));
  }

  /**
   * Restores a chunk of the local copy that failed its checksum from a replica in sync, as a
   * sequenced change (so it cannot race a client write to the same range), and returns the good data.
   */
  CompletableFuture<ByteString> repairLocal(long offset, int length) {
    synchronized (sequencer) {
      VolumeRecord v = volume;
      Map<String, CompletableFuture<Void>> sources = goodCopies(v, offset, null);
      return order.submit(nextSeq(v), offset, length, false, () -> restore(v, sources, offset, length));
    }
  }

  /**
   * Holders of the snippet at {@code offset} (other than this node and {@code except}) on record
   * in sync, each with the point of the sequence its copy must reach before it is read. Called in
   * sequence order.
   */
  private Map<String, CompletableFuture<Void>> goodCopies(VolumeRecord v, long offset, String except) {
    SnippetPlacement s = v.getSnippets((int) (offset / v.getSnippetSize()));
    Map<String, CompletableFuture<Void>> out = new LinkedHashMap<>();
    for (String n : s.getNodesList()) {
      if (!n.equals(selfId) && !n.equals(except) && !s.getStaleList().contains(n) && registry.reachable(n)) {
        ReplicaLink l = links.get(n);
        out.put(n, l == null ? CompletableFuture.completedFuture(null) : l.drained());
      }
    }
    return out;
  }

  /** Runs at its turn in the sequence: fetches the range from the first good copy that delivers, writes it back. */
  private CompletableFuture<ByteString> restore(VolumeRecord v, Map<String, CompletableFuture<Void>> sources,
      long offset, int length) {
    CompletableFuture<ByteString> data = CompletableFuture.failedFuture(new BlockDeviceException(Kind.MEDIUM_ERROR,
        "no replica in sync to restore from"));
    for (Map.Entry<String, CompletableFuture<Void>> source : sources.entrySet()) {
      String node = source.getKey();
      data = data.exceptionallyCompose(e -> source.getValue().copy()
          .orTimeout(settings.ackTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .thenCompose(x -> ReplicaCalls.read(channels.apply(node), node, v.getName(), offset, length))
          .whenComplete((x, f) -> {
            if (f != null) {
              log.warn("volume {} at {}: no good copy from {}: {}", v.getName(), offset, node, f.toString());
            }
          }));
    }
    return data.exceptionallyCompose(e -> CompletableFuture.failedFuture(new BlockDeviceException(Kind.MEDIUM_ERROR,
        "stored data of " + v.getName() + " at " + offset + " failed its checksum and no replica supplied a good copy: "
            + e.getMessage(), e)))
        .thenCompose(good -> {
          if (!primary()) {
            return CompletableFuture.completedFuture(good);
          }
          return local.write(offset, good.asReadOnlyByteBuffer(), true).handle((x, e) -> {
            if (e == null) {
              chunksRestored.incrementAndGet();
              log.warn("volume {}: {} bytes at {} failed their checksum here and were restored from a replica",
                  v.getName(), length, offset);
            } else {
              log.error("volume {} at {}: good data could not be written back: {}", v.getName(), offset, e.toString());
            }
            return good;
          });
        });
  }

  /** Chunks of the local copy restored from a replica after failing their checksum, since this device opened. */
  public long chunksRestored() {
    return chunksRestored.get();
  }

  @Override
  public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    return closed ? unavailable() : local.allocation(offset, length);
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    return guarded(offset, src.remaining(), () -> {
      ByteString data = ByteString.copyFrom(src);
      return change(offset, data.size(), fua, false,
          () -> local.write(offset, data.asReadOnlyByteBuffer(), fua),
          (o, l) -> CompletableFuture.completedFuture(writeOp(data, offset, o, l, fua)));
    });
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    ReplicaOp.Kind kind = mayUnmap ? ReplicaOp.Kind.TRIM : ReplicaOp.Kind.ZEROES;
    return guarded(offset, length, () -> change(offset, length, fua, false,
        () -> local.writeZeroes(offset, length, mayUnmap, fua),
        (o, l) -> CompletableFuture.completedFuture(op(kind, o, l, fua))));
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return writeZeroes(offset, length, true, fua);
  }

  @Override
  public CompletableFuture<Void> flush() {
    return guarded(0, 0, () -> change(0, 0, true, true, local::flush,
        (o, l) -> CompletableFuture.completedFuture(op(ReplicaOp.Kind.FLUSH, 0, 0, true))));
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    if (expected.remaining() != replacement.remaining()) {
      return CompletableFuture.failedFuture(new BlockDeviceException(Kind.INVALID, "compare and write lengths differ"));
    }
    CompletableFuture<Long> verdict = new CompletableFuture<>();
    CompletableFuture<Void> done = guarded(offset, replacement.remaining(), () -> {
      ByteString data = ByteString.copyFrom(replacement);
      return change(offset, data.size(), fua, false,
          () -> local.compareAndWrite(offset, expected, data.asReadOnlyByteBuffer(), fua)
              .thenAccept(verdict::complete),
          // Only a successful comparison changes the copies; a failed one sends nothing.
          (o, l) -> verdict.thenApply(r -> r != -1 ? null : writeOp(data, offset, o, l, fua)));
    });
    return done.thenCompose(v -> verdict);
  }

  private interface PieceOp {
    CompletableFuture<ReplicaOp.Builder> build(long offset, long length);
  }

  private CompletableFuture<Void> guarded(long offset, long length,
      java.util.function.Supplier<CompletableFuture<Void>> body) {
    try {
      BlockRange.check(offset, length, size(), blockSize());
    } catch (BlockDeviceException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!primary()) {
      return notPrimary();
    }
    CompletableFuture<Void> check = confirmed;
    if (!check.isDone()) {
      return check.handle((v, e) -> e).thenCompose(e -> guarded(offset, length, body));
    }
    if (check.isCompletedExceptionally()) {
      return notPrimary();
    }
    if (modes(volume).anyAsync() && lagBytes() > settings.maxLagBytes()) {
      return lagBelowBound().thenCompose(v -> primary() ? body.get() : notPrimary());
    }
    return body.get();
  }

  /** Sequences one change: local apply and one replicated op per touched snippet, all in order. */
  private CompletableFuture<Void> change(long offset, long length, boolean fua, boolean barrier,
      java.util.function.Supplier<CompletableFuture<Void>> localApply, PieceOp piece) {
    VolumeRecord v = volume;
    // Only the pieces in sync snippets are waited for; async pieces follow in the same order.
    List<CompletableFuture<Void>> quorums = new ArrayList<>();
    List<CompletableFuture<Void>> following = new ArrayList<>();
    CompletableFuture<Void> localDone;
    synchronized (sequencer) {
      long firstSeq = nextSeq(v);
      localDone = order.submit(firstSeq, offset, length, barrier, localApply);
      if (barrier) {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        CompletableFuture<ReplicaOp> flushOp = piece.build(0, 0).thenApply(b -> stamp(b, v, firstSeq));
        for (String node : replicaNodes(v)) {
          CompletableFuture<Void> ack = link(node).send(firstSeq, 0, flushOp);
          // A stale holder's flush counts once every snippet it holds is resynced.
          acks.add(StaleCopies.anywhere(v, node) ? untilInSync(ack, node, -1, waits) : ack);
        }
        int needed = Math.min(v.getMinCopies(), v.getCopies()) - 1;
        // A flush makes every earlier write durable where its mode counts it: on the quorum if any snippet is sync.
        (modes(v).anySync() ? quorums : following).add(withdraw(waits, Quorum.of(acks, needed, "flush of " + v.getName())));
      } else {
        long snippet = v.getSnippetSize();
        long pos = offset;
        long end = offset + length;
        boolean first = true;
        while (pos < end) {
          long index = pos / snippet;
          long pieceEnd = Math.min(end, (index + 1) * snippet);
          long seq = first ? firstSeq : nextSeq(v);
          first = false;
          List<String> holders = v.getSnippets((int) index).getNodesList();
          List<CompletableFuture<Void>> acks = new ArrayList<>();
          List<CompletableFuture<Void>> waits = new ArrayList<>();
          long o = pos;
          long l = pieceEnd - pos;
          // Built once and shared by every holder's stream: the slice and its CRC32C cost per piece, not per copy.
          CompletableFuture<ReplicaOp> pieceOp = holders.size() == 1 && holders.contains(selfId)
              ? null : piece.build(o, l).thenApply(b -> b == null ? null : stamp(b, v, seq));
          for (String node : holders) {
            if (!node.equals(selfId)) {
              CompletableFuture<Void> ack = link(node).send(seq, l, pieceOp);
              // A stale holder gets every change in order, but counts only once its resync is on record:
              // right after a failover the change waits for the resync instead of failing.
              boolean stale = v.getSnippets((int) index).getStaleList().contains(node);
              acks.add(stale ? untilInSync(ack, node, (int) index, waits) : ack);
            }
          }
          int needed = Math.min(v.getMinCopies(), holders.size()) - (holders.contains(selfId) ? 1 : 0);
          boolean sync = SnippetModes.SYNC.equals(SnippetModes.effective(v, (int) index));
          (sync ? quorums : following).add(withdraw(waits, Quorum.of(acks, needed, v.getName() + " snippet " + index)));
          pos = pieceEnd;
        }
      }
    }
    for (CompletableFuture<Void> q : following) {
      q.exceptionally(e -> {
        log.debug("volume {}: async replication incomplete: {}", v.getName(), e.getMessage());
        return null;
      });
    }
    if (quorums.isEmpty()) {
      return localDone;
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(quorums.toArray(CompletableFuture[]::new))
        .orTimeout(settings.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
    return localDone.thenCombine(all, (a, b) -> (Void) null).thenCompose(x -> staleRecorded).exceptionallyCompose(e -> {
      if (e instanceof java.util.concurrent.CompletionException && e.getCause() instanceof java.util.concurrent.TimeoutException
          || e instanceof java.util.concurrent.TimeoutException) {
        return CompletableFuture.failedFuture(new BlockDeviceException(Kind.IO_ERROR,
            "replicas of " + v.getName() + " did not acknowledge within " + settings.ackTimeout()));
      }
      return CompletableFuture.failedFuture(e);
    });
  }

  /** A stale holder's acknowledgement, counted once its copy is on record in sync (the wait is kept in {@code waits}). */
  private CompletableFuture<Void> untilInSync(CompletableFuture<Void> ack, String node, int snippet,
      List<CompletableFuture<Void>> waits) {
    CompletableFuture<Void> resynced = inSync.await(node, snippet);
    waits.add(resynced);
    return ack.thenCombine(resynced, (a, b) -> null);
  }

  /** Once the quorum is decided, nobody needs the stale holders' resyncs any more: stop waiting for them. */
  private static CompletableFuture<Void> withdraw(List<CompletableFuture<Void>> waits, CompletableFuture<Void> quorum) {
    if (!waits.isEmpty()) {
      quorum.whenComplete((x, e) -> waits.forEach(w -> w.cancel(false)));
    }
    return quorum;
  }

  private long nextSeq(VolumeRecord v) {
    long c = counter.incrementAndGet();
    if (reservation != null) {
      reservation.reached(c);
    }
    return (v.getEpoch() << EPOCH_SHIFT) | c;
  }

  private static ReplicaOp stamp(ReplicaOp.Builder b, VolumeRecord v, long seq) {
    return b.setVolume(v.getName()).setEpoch(v.getEpoch()).setSeq(seq).build();
  }

  /** The WRITE of {@code [o, o+l)}, cut from {@code data} (which starts at {@code dataOffset}), with its CRC32C. */
  private static ReplicaOp.Builder writeOp(ByteString data, long dataOffset, long o, long l, boolean fua) {
    ByteString piece = data.substring((int) (o - dataOffset), (int) (o - dataOffset + l));
    return op(ReplicaOp.Kind.WRITE, o, l, fua).setData(piece).setCrc32C(Checksums.crc32c(piece));
  }

  private static ReplicaOp.Builder op(ReplicaOp.Kind kind, long offset, long length, boolean fua) {
    return ReplicaOp.newBuilder().setKind(kind).setOffset(offset).setLength(length).setFua(fua);
  }

  private List<String> replicaNodes(VolumeRecord v) {
    return v.getSnippetsList().stream().flatMap(s -> s.getNodesList().stream())
        .filter(n -> !n.equals(selfId)).distinct().sorted().toList();
  }

  private ReplicaLink link(String node) {
    return links.computeIfAbsent(node, n -> {
      return new ReplicaLink(n, volume.getName(), channels.apply(n), this::sawEpoch, this::progress, this::lost);
    });
  }

  VolumeRecord record() {
    return volume;
  }

  /** A holder's stream broke: it misses changes from now on, so record it stale before more sync acks. */
  private void lost(String node) {
    if (closed) {
      return;
    }
    VolumeRecord v = volume;
    CompletableFuture<Void> recorded = registry.markStale(v.getName(), v.getEpoch(), node, true, List.of());
    staleRecorded = recorded.exceptionally(e -> {
      log.warn("volume {}: could not record {} as stale: {}", v.getName(), node, e.getMessage());
      throw new BlockDeviceException(Kind.NOT_PRIMARY, "cannot record a lost replica: " + e.getMessage(), e);
    });
  }

  /**
   * Periodic care, called by the node: every holder whose stream broke, or that the metadata
   * lists as stale, is resynced by delta once it is reachable.
   */
  public void maintain() {
    VolumeRecord v = volume;
    if (fenced && confirmed.isDone() && !closed && selfId.equals(v.getPrimary())
        && authority.epoch(v.getName()) == v.getEpoch() && authority.inMajority()) {
      // Refused while no metadata leader was elected yet (the whole cluster starting): ask again.
      reconfirm();
    }
    if (!primary()) {
      return;
    }
    forgetFormerHolders(v);
    for (String node : replicaNodes(v)) {
      ReplicaLink l = links.get(node);
      boolean broken = l != null && l.broken();
      CompletableFuture<Void> running = resyncRuns.get(node);
      boolean unchecked = uncheckedSinceRestart.contains(node);
      if ((broken || unchecked || StaleCopies.anywhere(v, node)) && (running == null || running.isDone())
          && registry.reachable(node)) {
        resync(node, broken || unchecked);
      }
    }
    scrubWhenDue();
  }

  /**
   * A node whose copies were all placed elsewhere (re-replication after it stayed away) is no
   * replica any more: its broken stream and finished resync would otherwise be shown as
   * "unreachable" forever.
   */
  private void forgetFormerHolders(VolumeRecord v) {
    List<String> holders = replicaNodes(v);
    synchronized (sequencer) {
      links.entrySet().removeIf(e -> {
        boolean former = !holders.contains(e.getKey()) && e.getValue().broken();
        if (former) {
          e.getValue().close();
        }
        return former;
      });
    }
    resyncRuns.entrySet().removeIf(e -> !holders.contains(e.getKey()) && e.getValue().isDone());
    resyncs.keySet().removeIf(n -> !holders.contains(n) && !resyncRuns.containsKey(n));
  }

  private synchronized void scrubWhenDue() {
    Duration every = settings.scrubInterval();
    if (!every.isZero() && (scrubRun == null || scrubRun.isDone())
        && System.nanoTime() - lastScrubStartNanos >= every.toNanos()) {
      scrub().whenComplete((r, e) -> {
        if (e != null) {
          log.warn("volume {}: scrub stopped: {}", name(), e.toString());
        } else if (!r.clean()) {
          log.warn("volume {}: scrub found and repaired damage: {}", name(), r);
        }
      });
    }
  }

  /** Progress of the resyncs started by this primary (one per replica), then of its last scrub or verify. */
  public List<ResyncProgress> resyncProgress() {
    List<ResyncProgress> out = new ArrayList<>(resyncs.values().stream().map(Resync::progress).toList());
    Scrub last = lastScrub;
    if (last != null) {
      out.addAll(last.progress());
    }
    return out;
  }

  /**
   * Compares the digests of every copy with this primary's, snippet by snippet, without changing
   * anything. Fails with NOT_PRIMARY if this device may not act as the primary.
   */
  public CompletableFuture<VerifyReport> verify() {
    return runScrub(false);
  }

  /**
   * Compares every copy with this primary's and repairs what differs or fails its checksum (the
   * replicas' chunks by sequenced copies, this copy's from a replica in sync). Runs periodically
   * (every {@link ReplicationSettings#scrubInterval()}); this starts one now, or returns the one running.
   */
  public CompletableFuture<VerifyReport> scrub() {
    return runScrub(true);
  }

  private synchronized CompletableFuture<VerifyReport> runScrub(boolean repair) {
    if (!primary()) {
      return notPrimary();
    }
    if (repair && scrubRun != null && !scrubRun.isDone() && lastScrub.repairs()) {
      return scrubRun;
    }
    if (repair) {
      lastScrubStartNanos = System.nanoTime();
    }
    Scrub scrub = new Scrub(this, repair, settings.scrubBytesPerSecond());
    lastScrub = scrub;
    CompletableFuture<VerifyReport> run = scrub.run();
    if (repair) {
      scrubRun = run;
    }
    return run;
  }

  String selfId() {
    return selfId;
  }

  ReplicaLink linkTo(String node) {
    synchronized (sequencer) {
      return link(node);
    }
  }

  /** One snippet's chunk digests on this copy and on the given holders' copies, taken at one point of the sequence. */
  record SnippetDigests(long start, List<Long> ours, Map<String, List<Long>> theirs, Map<String, String> errors) {}

  /**
   * Digests of one snippet here and on each holder, all at the same point of the volume's
   * sequence: changes to the snippet wait meanwhile, and each holder is compared once it has
   * applied everything sequenced before, so changes in flight never look like damage.
   */
  CompletableFuture<SnippetDigests> digestsAt(int index, List<String> holders) {
    synchronized (sequencer) {
      VolumeRecord v = volume;
      long start = (long) index * v.getSnippetSize();
      long length = Math.min(v.getSnippetSize(), v.getSize() - start);
      Map<String, CompletableFuture<Void>> reached = new TreeMap<>();
      for (String h : holders) {
        ReplicaLink l = links.get(h);
        reached.put(h, l == null ? CompletableFuture.completedFuture(null) : l.drained());
      }
      return order.submit(nextSeq(v), start, length, false, () -> {
        CompletableFuture<List<Long>> ours = ChunkDigests.of(local, start, length, REPAIR_CHUNK);
        Map<String, CompletableFuture<List<Long>>> theirs = new TreeMap<>();
        reached.forEach((h, r) -> theirs.put(h, r.copy().orTimeout(settings.ackTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .thenCompose(x -> ReplicaCalls.digest(channels.apply(h), v.getName(), start, length, REPAIR_CHUNK))));
        List<CompletableFuture<?>> all = new ArrayList<>(theirs.values());
        all.add(ours);
        return CompletableFuture.allOf(all.stream().map(f -> f.handle((x, e) -> null)).toArray(CompletableFuture[]::new))
            .thenApply(x -> {
              Map<String, List<Long>> got = new TreeMap<>();
              Map<String, String> errors = new TreeMap<>();
              theirs.forEach((h, f) -> {
                if (f.isCompletedExceptionally()) {
                  errors.put(h, f.handle((y, e) -> String.valueOf(e.getMessage())).join());
                } else {
                  got.put(h, f.join());
                }
              });
              return new SnippetDigests(start, ours.join(), got, errors);
            });
      });
    }
  }

  /** Compares and repairs the node's stale snippets (all it holds if its stream broke). */
  private void resync(String node, boolean everything) {
    VolumeRecord v = volume;
    List<Integer> held = new ArrayList<>();
    for (int i = 0; i < v.getSnippetsCount(); i++) {
      SnippetPlacement s = v.getSnippets(i);
      if (s.getNodesList().contains(node) && (everything || s.getStaleList().contains(node))) {
        held.add(i);
      }
    }
    ReplicaLink fresh;
    CompletableFuture<Void> barrier;
    synchronized (sequencer) {
      ReplicaLink current = links.get(node);
      if (current != null && current.broken()) {
        links.remove(node);
        current.close();
      }
      // A healthy stream is kept: its in-flight writes count toward their quorums.
      fresh = link(node);
      // Everything sequenced before the new stream existed must be on the local copy before we compare.
      barrier = order.submit(nextSeq(v), 0, 0, true, () -> CompletableFuture.completedFuture(null));
    }
    Resync r = new Resync(this, local, fresh, channels.apply(node), settings.resyncBytesPerSecond(), node, held);
    resyncs.put(node, r);
    log.info("volume {}: resyncing replica {} ({} snippets)", v.getName(), node, held.size());
    List<Long> done = held.stream().map(Integer::longValue).toList();
    resyncRuns.put(node, r.run(barrier)
        .thenCompose(x -> registry.markStale(v.getName(), v.getEpoch(), node, false, done))
        .whenComplete((x, e) -> {
          if (e == null) {
            uncheckedSinceRestart.remove(node);
            inSync.recorded(node, done);
            log.info("volume {}: replica {} is on record as in sync", v.getName(), node);
          } else {
            log.warn("volume {}: replica {} not recorded in sync: {}", v.getName(), node, e.toString());
          }
        }));
  }

  /** Sends one chunk of the local copy to a replica as a sequenced write, read when its turn comes. */
  CompletableFuture<Void> sequencedCopy(ReplicaLink link, long offset, int length) {
    synchronized (sequencer) {
      VolumeRecord v = volume;
      Map<String, CompletableFuture<Void>> sources = goodCopies(v, offset, link.nodeId);
      long seq = nextSeq(v);
      CompletableFuture<ByteString> data = order.submit(seq, offset, length, false, () -> {
        ByteBuffer b = ByteBuffer.allocate(length);
        // A chunk bad here is restored from another good copy first, never sent on.
        return local.read(offset, b).thenApply(x -> ByteString.copyFrom(b.flip()))
            .exceptionallyCompose(e -> BlockDeviceException.kindOf(e) == Kind.MEDIUM_ERROR
                ? restore(v, sources, offset, length) : CompletableFuture.failedFuture(e));
      });
      return link.send(seq, length, data.thenApply(bs -> stamp(writeOp(bs, offset, offset, length, false), v, seq)));
    }
  }

  /** A replica told us of a newer epoch: we are fenced from now on. */
  private void sawEpoch(long epoch) {
    if (highestEpochSeen.accumulateAndGet(epoch, Math::max) > volume.getEpoch()) {
      log.warn("volume {}: a replica knows epoch {} > ours {}; no longer accepting writes", name(), epoch, epoch());
    }
  }

  private void progress() {
    List<CompletableFuture<Void>> ready;
    synchronized (lagWaiters) {
      if (lagWaiters.isEmpty() || lagBytes() > settings.maxLagBytes()) {
        return;
      }
      ready = new ArrayList<>(lagWaiters);
      lagWaiters.clear();
    }
    ready.forEach(f -> f.complete(null));
  }

  private CompletableFuture<Void> lagBelowBound() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (lagWaiters) {
      lagWaiters.add(f);
    }
    progress();
    return f;
  }

  private static <T> CompletableFuture<T> notPrimary() {
    return CompletableFuture.failedFuture(new BlockDeviceException(Kind.NOT_PRIMARY,
        "this node is not the primary of the volume (or is fenced by a newer epoch)"));
  }

  private static <T> CompletableFuture<T> unavailable() {
    return CompletableFuture.failedFuture(new BlockDeviceException(Kind.UNAVAILABLE, "device closed"));
  }

  @Override
  public void close() {
    closed = true;
    inSync.failAll(new BlockDeviceException(Kind.UNAVAILABLE, "device closed"));
    links.values().forEach(ReplicaLink::close);
    local.close();
    synchronized (lagWaiters) {
      lagWaiters.forEach(f -> f.completeExceptionally(new BlockDeviceException(Kind.UNAVAILABLE, "device closed")));
      lagWaiters.clear();
    }
  }
}
