package org.snipblock.cluster.replica;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.Extent;
import org.snipblock.cluster.meta.SnippetModes;
import org.snipblock.cluster.proto.ReplicaOp;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.qos.BackgroundBudget;
import org.snipblock.store.qos.VolumeThrottle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A volume as its primary serves it, routing to its parts. Every change, once {@link ChangeAdmission}
 * lets it start, is given the next sequence number of the volume, applied to the local copy and
 * streamed to the replicas of the snippets it touches ({@link ChangeStream}); overlapping changes
 * are applied in sequence order on every copy. In SYNC
 * mode a change is acknowledged once its {@link WriteQuorum} holds it; in ASYNC mode once the local
 * copy does, with new writes held back while the replicas lag too far behind ({@link AsyncLag}).
 *
 * <p>The device refuses changes with NOT_PRIMARY as soon as it is {@link Fencing fenced}. Reads
 * never return data that fails its checksum ({@link ReadRepair}); stale copies are brought back
 * by {@link ResyncScheduler}, and every copy is compared periodically by {@link ScrubScheduler}.
 */
public final class ReplicatedBlockDevice implements BlockDevice {
  private static final Logger log = LoggerFactory.getLogger(ReplicatedBlockDevice.class);

  private final VolumeView view;
  private final ReopenableDevice local;
  private final Fencing fencing;
  private final InSyncOnRecord inSync;
  private final ReplicaLinks links;
  private final AsyncLag lag;
  private final ChangeStream changes;
  private final ReadRepair readRepair;
  private final ResyncScheduler resyncs;
  private final ScrubScheduler scrubs;
  private final PlannedHandover handover;
  private final AckWindow acks;
  private final ChangeAdmission admission;

  /**
   * @param streamChannels the channels of the streams to the holders, all on {@code streamLoop}
   * @param streamLoop their one thread ({@link StreamLoop}), which every change's sends are handed to
   * @param sequences where this primary reserves its sequence numbers ahead, so that after a restart at
   *                  the same epoch it never reuses one (null: only safe if it never restarts as primary
   *                  without a new epoch); the constructor then blocks on one small disk write
   * @param snapshots the snapshots of this node's copy, which resyncs bring the holders' in line with
   * @param qosBudgets the throttle of the volume's QoS budget on this node, by its record now (a
   *                  volume may join or leave a group live): every client request passes it here, at
   *                  the one writer, whichever door it came through; resyncs and scrubs do not
   * @param background the node's budget for background work, which resyncs and scrubs ask before
   *                  each piece: they yield to the clients the throttles count
   */
  public ReplicatedBlockDevice(String selfId, VolumeRecord volume, ReopenableDevice local, EpochAuthority authority,
      Function<String, ManagedChannel> channels, Function<String, ManagedChannel> streamChannels, Executor streamLoop,
      ReplicationSettings settings, ReplicaRegistry registry, DurableProgress sequences, SnapshotSource snapshots,
      Function<VolumeRecord, VolumeThrottle> qosBudgets, BackgroundBudget background) {
    this.view = new VolumeView(selfId, volume);
    this.local = local;
    this.fencing = new Fencing(view, authority, registry); // first: its log round trip overlaps the disk write below
    Sequencer sequencer = new Sequencer(view, sequences == null ? null
        : new SequenceReservation(sequences, volume.getName(), volume.getUid(), volume.getEpoch()));
    this.inSync = new InSyncOnRecord(view::get);
    this.lag = new AsyncLag(this::lagBytes, settings.maxLagBytes());
    this.links = new ReplicaLinks(view, streamChannels, streamLoop, registry, fencing, lag::progress);
    this.changes = new ChangeStream(view, local, sequencer, links, inSync, settings.ackTimeout());
    this.readRepair = new ReadRepair(view, local, sequencer, links, channels, registry, fencing, settings.ackTimeout());
    this.resyncs = new ResyncScheduler(view, local, sequencer, links, readRepair, channels, registry, inSync,
        settings.resyncBytesPerSecond(), snapshots, background);
    this.scrubs = new ScrubScheduler(view, fencing, new CopyDigests(local, sequencer, links, channels,
        settings.ackTimeout()), new SnapshotCheck(view, sequencer, links, snapshots, channels, settings.ackTimeout(),
        background),
        registry, readRepair, settings.scrubInterval(), settings.scrubBytesPerSecond(), background);
    this.handover = new PlannedHandover(view, fencing, sequencer, links);
    this.acks = new AckWindow(volume.getName(), volume.getUid(), volume.getEpoch(), selfId);
    this.admission = new ChangeAdmission(view, fencing, lag, handover.gate(), acks, qosBudgets);
  }

  /**
   * Hands the volume to {@code target} (a planned handover, see {@link PlannedHandover}); completes
   * with the new epoch that {@code commit} committed, given the holders that must resync.
   */
  public CompletableFuture<Long> handOver(String target, java.time.Duration bound,
      Function<List<String>, CompletableFuture<Long>> commit, HandoverTimeline timeline) {
    return handover.run(target, bound, commit, timeline);
  }

  /**
   * Asks the log again whether this node is still the primary, and holds changes until it answers.
   * Called whenever the membership changes: a node that was cut off and is back may not yet have
   * applied the epoch the majority moved on to.
   */
  public void reconfirm() {
    fencing.reconfirm();
  }

  /** Takes in a newer committed view of the volume (mode switch, new epoch, new placement). */
  public void update(VolumeRecord newer) {
    fencing.seen(newer.getEpoch());
    VolumeRecord current = view.get();
    if (view.takeIn(newer)) {
      inSync.recorded();
    } else if (newer.getVersion() > current.getVersion() && newer.getEpoch() != current.getEpoch()) {
      log.info("volume {}: epoch {} -> {} (primary {}), this device is fenced", newer.getName(),
          current.getEpoch(), newer.getEpoch(), newer.getPrimary());
      acks.end("stepped down");
    }
  }

  public long epoch() {
    return view.get().getEpoch();
  }

  /** The volume's mode (snippets may override it: {@link SnippetModes#effective}). */
  public ReplicationMode mode() {
    return ReplicationMode.parse(view.get().getMode());
  }

  /** True while this device may accept changes. */
  public boolean primary() {
    return fencing.primary();
  }

  /** True while a planned handover holds new changes (the role is moving to another node). */
  public boolean handingOver() {
    return handover.gate().holding();
  }

  /** Bytes sent to reachable replicas and not yet acknowledged (the largest over replicas). */
  public long lagBytes() {
    return links.lagBytes();
  }

  /** Age of the oldest unacknowledged change at a reachable replica, in seconds. */
  public double lagSeconds() {
    return links.lagSeconds();
  }

  /** Replicas this device could not reach (their copies need a resync). */
  public List<String> unreachableReplicas() {
    return links.unreachable();
  }

  /** Chunks of the local copy restored from a replica after failing their checksum, since this device opened. */
  public long chunksRestored() {
    return readRepair.chunksRestored();
  }

  @Override public String name() { return view.name(); }
  @Override public long size() { return view.get().getSize(); }
  @Override public int blockSize() { return view.get().getBlockSize(); }
  @Override public long uniqueId() { return view.get().getUid(); }
  /** A read-only volume (a template): changes are refused here, at the one writer; copies still apply the stream. */
  @Override public boolean readOnly() { return view.get().getReadOnly(); }

  @Override
  public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
    return fencing.closed() ? unavailable()
        : admission.qos().then(false, dst.remaining(), () -> readRepair.read(offset, dst));
  }

  @Override
  public CompletableFuture<List<Extent>> allocation(long offset, long length) {
    return fencing.closed() ? unavailable() : local.allocation(offset, length);
  }

  /** The snapshots of the local copy, which every copy takes at the same point of the stream. */
  @Override
  public List<String> changeBases() {
    return local.changeBases();
  }

  /** Changed-block tracking from the local copy: the primary's holds every snippet and every acknowledged change. */
  @Override
  public CompletableFuture<List<Extent>> changedSince(String base, long offset, long length) {
    return fencing.closed() ? unavailable() : local.changedSince(base, offset, length);
  }

  @Override
  public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
    return admission.qos().then(true, src.remaining(),
        () -> admission.admitWrite(offset, src.remaining(), () -> changes.write(offset, ByteString.copyFrom(src), fua)));
  }

  @Override
  public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap, boolean fua) {
    // Counted as an operation without bytes: it carries no data (see ThrottledBlockDevice).
    return admission.qos().then(true, 0,
        () -> admission.admitWrite(offset, length, () -> changes.writeZeroes(offset, length, mayUnmap, fua)));
  }

  @Override
  public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
    return writeZeroes(offset, length, true, fua);
  }

  @Override
  public CompletableFuture<Void> flush() {
    return admission.admit(0, 0, changes::flush);
  }

  /**
   * Takes snapshot {@code name} of the volume on every copy at one point of the replication stream;
   * {@code localTake} takes it on this node's copy. Completes as a flush does (sync: once the write
   * quorum has it).
   */
  public CompletableFuture<Void> snapshot(String name, Supplier<CompletableFuture<Void>> localTake) {
    return snapshot(name, 0, localTake);
  }

  /** As {@link #snapshot(String, Supplier)}; {@code origin}: the id of the snapshot an import reproduced, which every copy records. */
  public CompletableFuture<Void> snapshot(String name, long origin, Supplier<CompletableFuture<Void>> localTake) {
    return admission.admit(0, 0, () -> changes.snapshot(ReplicaOp.Kind.SNAPSHOT, name, origin, localTake));
  }

  /** Deletes snapshot {@code name} on every copy, as one op of the stream; {@code localDelete} deletes it here. */
  public CompletableFuture<Void> deleteSnapshot(String name, Supplier<CompletableFuture<Void>> localDelete) {
    return admission.admit(0, 0, () -> changes.snapshot(ReplicaOp.Kind.SNAPSHOT_DELETE, name, localDelete));
  }

  /** Holds back new writes until the returned release runs (a group snapshot's: {@link ChangeAdmission#hold}). */
  public Runnable hold() {
    return admission.hold();
  }

  /**
   * Makes the content of every copy snapshot {@code name}'s, as one op of the stream (a barrier):
   * {@code localRollback} rolls this node's copy back, which fails the store handles opened before,
   * so this device goes on with a new one. Completes as a flush does.
   */
  public CompletableFuture<Void> rollback(String name, Supplier<CompletableFuture<Void>> localRollback) {
    return admission.admit(0, 0, () -> changes.snapshot(ReplicaOp.Kind.ROLLBACK, name,
        () -> localRollback.get().thenRun(local::reopen)));
  }

  @Override
  public CompletableFuture<Long> compareAndWrite(long offset, ByteBuffer expected, ByteBuffer replacement, boolean fua) {
    if (expected.remaining() != replacement.remaining()) {
      return CompletableFuture.failedFuture(new BlockDeviceException(Kind.INVALID, "compare and write lengths differ"));
    }
    CompletableFuture<Long> verdict = new CompletableFuture<>();
    return admission.qos().then(true, replacement.remaining(),
        () -> admission.admitWrite(offset, replacement.remaining(),
        () -> changes.compareAndWrite(offset, expected, ByteString.copyFrom(replacement), fua, verdict))
        .thenCompose(v -> verdict));
  }

  /** The brake on new writes that storage ballooning raises and lowers (off unless limited). */
  public WriteThrottle throttle() {
    return admission.throttle();
  }

  /** Bytes of writes (zeroes and trims included) handed to the replication stream since this device opened. */
  public long writtenBytes() {
    return admission.writtenBytes();
  }

  /** Per replica node reachable now: bytes sent and not yet acknowledged, and bytes acknowledged so far. */
  public java.util.Map<String, long[]> replicaProgress() {
    return links.progress();
  }

  /**
   * Periodic care, called by the node: every holder whose stream broke, or that the metadata
   * lists as stale, is resynced by delta once it is reachable, and a scrub starts when one is due.
   */
  public void maintain() {
    fencing.reconfirmIfRefusedEarly();
    acks.logIfDue();
    if (!primary()) {
      return;
    }
    resyncs.startDue();
    scrubs.startDue();
  }

  /** Progress of the resyncs started by this primary (one per replica), then of its last scrub or verify. */
  public List<ResyncProgress> resyncProgress() {
    List<ResyncProgress> out = new ArrayList<>(resyncs.progress());
    out.addAll(scrubs.progress());
    return out;
  }

  /**
   * Compares the digests of every copy with this primary's, snippet by snippet, without changing
   * anything. Fails with NOT_PRIMARY if this device may not act as the primary.
   */
  public CompletableFuture<VerifyReport> verify() {
    return scrubs.run(false);
  }

  /**
   * Compares every copy with this primary's and repairs what differs or fails its checksum (the
   * replicas' chunks by sequenced copies, this copy's from a replica in sync). Runs periodically
   * (every {@link ReplicationSettings#scrubInterval()}); this starts one now, or returns the one running.
   */
  public CompletableFuture<VerifyReport> scrub() {
    return scrubs.run(true);
  }

  private static <T> CompletableFuture<T> unavailable() {
    return CompletableFuture.failedFuture(new BlockDeviceException(Kind.UNAVAILABLE, "device closed"));
  }

  @Override
  public void close() {
    acks.end("closed");
    fencing.close();
    inSync.failAll(new BlockDeviceException(Kind.UNAVAILABLE, "device closed"));
    links.closeAll();
    local.close();
    lag.close();
    admission.close();
  }
}
