package org.snipblock.iscsi.scsi;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.scsi.PersistentReservations.Outcome;
import org.snipblock.iscsi.scsi.PersistentReservations.State;
import org.snipblock.iscsi.scsi.ReservationStateCodec.Attention;

/**
 * Persistent reservations shared by every path of a logical unit, through a
 * {@link SharedUnitState}: the live copy here answers reservation checks and PERSISTENT RESERVE
 * IN; a PERSISTENT RESERVE OUT runs on a copy of the newest shared state and is committed by
 * compare-and-set, so of two changes through two nodes the shared state's log orders them, and
 * the one built on a state that moved on runs again on the new one. The unit attentions a change
 * raises travel with it; each node establishes those of its own nexuses (its portal group's).
 */
final class SharedReservations {
  private static final Logger log = LoggerFactory.getLogger(SharedReservations.class);
  /** A change that keeps losing the race this often gives up (BUSY); the initiator sends it again. */
  private static final int ATTEMPTS = 8;

  private final SharedUnitState store;
  private final String device;
  private final long uniqueId;
  private final PersistentReservations live;
  private final UnitAttentions unitAttentions;
  private final IntSupplier localTag;
  /** The shared version the live copy holds; read without the lock on every command, written under it. */
  private volatile long version;
  private List<Attention> recent = List.of();

  SharedReservations(SharedUnitState store, String device, long uniqueId, PersistentReservations live,
      UnitAttentions unitAttentions, IntSupplier localTag) {
    this.store = store;
    this.device = device;
    this.uniqueId = uniqueId;
    this.live = live;
    this.unitAttentions = unitAttentions;
    this.localTag = localTag;
  }

  /** Whether the store can keep a state through a power loss of the whole target (APTPL is offered). */
  boolean persistsThroughPowerLoss() {
    return store.persistsThroughPowerLoss();
  }

  /** Takes in a newer shared state, if there is one: before every command's reservation check. */
  void refresh() {
    SharedUnitState.Versioned newest = store.current(device, uniqueId);
    if (newest == null || newest.version() <= version) {
      return; // the common case: nothing new, no lock taken
    }
    synchronized (this) {
      if (newest.version() <= version) {
        return;
      }
      try {
        install(newest.version(), ReservationStateCodec.decode(newest.state()));
      } catch (IllegalArgumentException e) {
        log.error("{}: shared reservation state version {} is unreadable, keeping version {}: {}", device,
            newest.version(), version, e.getMessage());
      }
    }
  }

  /**
   * Runs a PERSISTENT RESERVE OUT action on the newest shared state and shares its result; the
   * action must depend only on the reservations it is given.
   */
  CompletableFuture<Outcome> change(Function<PersistentReservations, Outcome> action) {
    return attempt(action, ATTEMPTS);
  }

  /**
   * A unit attention for every nexus through every path (a LUN reset's): completes once shared.
   * If it cannot be shared now, this node's nexuses still get it.
   */
  CompletableFuture<Void> establishForEveryNexus(Sense condition) {
    return change(pr -> {
      pr.establishForEveryNexus(condition);
      return Outcome.OK;
    }).handle((outcome, failure) -> {
      if (failure != null) {
        log.warn("{}: {} not shared with the other paths: {}", device, condition, failure.toString());
        unitAttentions.establishForAll(condition);
      }
      return null;
    });
  }

  private CompletableFuture<Outcome> attempt(Function<PersistentReservations, Outcome> action, int attemptsLeft) {
    refresh();
    long base;
    State before;
    List<Attention> kept;
    synchronized (this) {
      base = version;
      before = live.state();
      kept = recent;
    }
    List<Attention> raised = new ArrayList<>();
    PersistentReservations work = PersistentReservations.of(before,
        (nexus, sense) -> raised.add(new Attention(base + 1, nexus, sense)));
    Outcome outcome = action.apply(work);
    State after = work.state();
    if (after.equals(before) && raised.isEmpty()) {
      return CompletableFuture.completedFuture(outcome); // nothing to share (a conflict, a repeat)
    }
    List<Attention> attentions = new ArrayList<>();
    for (Attention a : kept) {
      if (a.version() > base + 1 - ReservationStateCodec.KEPT_VERSIONS) {
        attentions.add(a);
      }
    }
    attentions.addAll(raised);
    byte[] bytes = ReservationStateCodec.encode(after, attentions);
    return store.commit(device, uniqueId, base, bytes, after.aptpl()).thenCompose(committed -> {
      if (committed) {
        synchronized (this) {
          if (version == base) {
            install(base + 1, new ReservationStateCodec.Decoded(after, attentions));
          }
        }
        return CompletableFuture.completedFuture(outcome);
      }
      if (attemptsLeft <= 1) {
        return CompletableFuture.failedFuture(new CheckCondition(Sense.of(Sense.ABORTED_COMMAND, 0x00, 0x00)));
      }
      // Another path's change came first; it may not have reached this node's copy yet: a moment's pause.
      java.util.concurrent.Executor later = CompletableFuture.delayedExecutor(
          10L * (ATTEMPTS - attemptsLeft + 1), java.util.concurrent.TimeUnit.MILLISECONDS);
      return CompletableFuture.supplyAsync(() -> attempt(action, attemptsLeft - 1), later)
          .thenCompose(f -> f);
    });
  }

  /** Under this lock: the state of {@code newVersion}, and the attentions of the versions skipped for our nexuses. */
  private void install(long newVersion, ReservationStateCodec.Decoded decoded) {
    int tag = localTag.getAsInt();
    for (Attention a : decoded.attentions()) {
      if (a.version() <= version || a.version() > newVersion) {
        continue;
      }
      if (a.nexus() == null) {
        unitAttentions.establishForAll(a.sense());
      } else if (a.nexus().tpgt() == tag) {
        unitAttentions.establish(a.nexus(), a.sense());
      }
    }
    live.restore(decoded.state());
    version = newVersion;
    recent = List.copyOf(decoded.attentions());
  }
}
