package org.snipblock.cluster;

import java.time.Duration;
import org.snipblock.cluster.meta.SnippetModes;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MoveCopy;
import org.snipblock.cluster.proto.SetMode;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one copy of one placement stripe (every snippet it places) from node {@code from} to node
 * {@code to} while clients keep writing: {@link #begin} puts {@code to} on record as an extra, stale holder (so the primary
 * streams every new write to it and resyncs what it missed, as for a re-replicated copy);
 * {@link #awaitInSync} waits until the primary has put it on record in sync; only then
 * {@link #finish} drops {@code from} (the metadata refuses it earlier). The stripe never has
 * fewer in-sync copies than its policy asks, and every holder's labels are rewritten with the new
 * holders when it applies the change. Drain, relocation and rebalancing move copies with this.
 */
public final class CopyMove {
  private static final Logger log = LoggerFactory.getLogger(CopyMove.class);

  private final ClusterNode node;
  private final String volume;
  private final int snippet;
  private final String from;
  // Changes only when the leader retargets the move (its target gone): this driver follows it.
  private volatile String to;
  // The record's version when this move was begun: a record at least as new without the move means it ended.
  private volatile long begunVersion = Long.MAX_VALUE;

  CopyMove(ClusterNode node, String volume, int snippet, String from, String to) {
    this.node = node;
    this.volume = volume;
    this.snippet = snippet;
    this.from = from;
    this.to = to;
  }

  /**
   * As {@link #run(Duration)}; an ASYNC move replicates the stripe asynchronously until the switch
   * (writes do not wait on the link to a distant target), then gives it back its own mode.
   */
  public void run(Duration timeout, RelocationSettings.MoveMode mode) {
    VolumeRecord v = node.metadata().volume(volume).orElse(null);
    String own = v == null || snippet >= v.getSnippetsCount() ? "" : v.getSnippets(snippet).getMode();
    boolean relax = mode == RelocationSettings.MoveMode.ASYNC && v != null
        && SnippetModes.SYNC.equals(own.isEmpty() ? v.getMode() : own);
    if (relax) {
      stripeMode(SnippetModes.ASYNC);
    }
    try {
      run(timeout);
    } finally {
      if (relax) {
        stripeMode(own);
      }
    }
  }

  private void stripeMode(String mode) {
    node.commit(MetaCommand.newBuilder().setSetMode(SetMode.newBuilder().setName(volume).setMode(mode)
        .addSnippets(snippet)).build());
  }

  /** Begins, waits until the new copy is in sync, finishes; aborts (dropping the new copy) if that fails. */
  public void run(Duration timeout) {
    begin();
    try {
      awaitInSync(timeout);
      finish();
    } catch (RuntimeException e) {
      abort();
      throw e;
    }
  }

  /** {@code to} holds the stripe too, stale until the primary has brought it in sync. Idempotent. */
  public void begin() {
    begunVersion = step(MoveCopy.Step.BEGIN).getVersion();
    log.info("volume {} stripe {}: copy moving from {} to {}", volume, snippet, from, to);
  }

  /**
   * Returns once the copy on {@code to} is on record in sync; follows the move when the leader
   * retargets it (its target gone, see {@link StrandedMoves}); fails at once when the move ended
   * otherwise (cancelled, or its source re-replicated away).
   */
  public void awaitInSync(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    // Bounded: each round either returns, throws, or follows one retarget (each a committed change).
    for (int round = 0; round < 1000; round++) {
      VolumeRecord v = VolumeWait.until(node.metadata(), volume, r -> inSync(r) || (r.getVersion() >= begunVersion
          && !recorded(r)), Duration.ofNanos(Math.max(1, deadline - System.nanoTime())),
          "the copy of stripe " + snippet + " on " + to + " coming in sync");
      if (inSync(v)) {
        return;
      }
      String next = retargetedTo(v);
      if (next == null) {
        throw new VolumeAdminException(Reason.CONFLICT, "the move of " + this + " was cancelled before "
            + to + " was in sync (its target or source is gone)");
      }
      log.info("volume {} stripe {}: the move from {} goes on to {} instead of {}", volume, snippet, from, next, to);
      to = next;
    }
    throw new VolumeAdminException(Reason.CONFLICT, "the move of " + this + " was retargeted too often");
  }

  /** The move's new target when the leader retargeted it (the same stripe moving from the same node elsewhere), or null. */
  private String retargetedTo(VolumeRecord v) {
    return v.getMovingList().stream().filter(c -> c.getSnippet() == snippet && c.getFrom().equals(from)
        && !c.getTo().equals(to)).map(c -> c.getTo()).findFirst().orElse(null);
  }

  private boolean recorded(VolumeRecord v) {
    return v.getMovingList().stream().anyMatch(c -> c.getSnippet() == snippet && c.getFrom().equals(from)
        && c.getTo().equals(to));
  }

  boolean inSync(VolumeRecord v) {
    return snippet < v.getSnippetsCount() && v.getSnippets(snippet).getNodesList().contains(to)
        && !v.getSnippets(snippet).getStaleList().contains(to);
  }

  /** Drops the copy on {@code from}; refused by the metadata while {@code to} is not in sync or {@code from} is primary. */
  public void finish() {
    step(MoveCopy.Step.FINISH);
    log.info("volume {} stripe {}: copy moved from {} to {}", volume, snippet, from, to);
  }

  /** Drops the new copy on {@code to} (before {@link #finish}); logs, never throws, if that fails. */
  public void abort() {
    try {
      step(MoveCopy.Step.ABORT);
    } catch (RuntimeException e) {
      log.warn("volume {} snippet {}: the move to {} could not be undone: {}", volume, snippet, to, e.getMessage());
    }
  }

  private VolumeRecord step(MoveCopy.Step step) {
    return node.commit(MetaCommand.newBuilder().setMoveCopy(MoveCopy.newBuilder().setName(volume).setSnippet(snippet)
        .setFrom(from).setTo(to).setStep(step).setStartedMillis(System.currentTimeMillis())).build());
  }

  int snippet() {
    return snippet;
  }

  String from() {
    return from;
  }

  /** Where the copy goes: as begun, or where the leader retargeted it. */
  String to() {
    return to;
  }

  @Override
  public String toString() {
    return "snippet " + snippet + " of " + volume + " from " + from + " to " + to;
  }
}
