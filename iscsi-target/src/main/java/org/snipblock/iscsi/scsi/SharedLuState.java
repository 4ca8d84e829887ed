package org.snipblock.iscsi.scsi;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.scsi.PersistentReservations.Outcome;
import org.snipblock.iscsi.scsi.SharedLuStateCodec.Attention;
import org.snipblock.iscsi.scsi.SharedLuStateCodec.LuState;

/**
 * The state a logical unit shares with every other path to it, through a {@link SharedUnitState}:
 * persistent reservations, the SPC-2 reservation, the mode parameters, and the unit attentions
 * their changes raise. The live copies here answer reservation checks, PERSISTENT RESERVE IN and
 * MODE SENSE; a change runs on copies of the newest shared state and is committed by
 * compare-and-set, so of two changes through two nodes the shared state's log orders them (a
 * conflict is decided there, in one place), and the one built on a state that moved on runs again
 * on the new one. The unit attentions a change raises travel with it; each node establishes those
 * of its own nexuses (its portal group's). Changes through this node run one after the other: a
 * logout's release is shared before a reservation that follows it is tried.
 */
final class SharedLuState {
  private static final Logger log = LoggerFactory.getLogger(SharedLuState.class);
  /** A change that keeps losing the race this often gives up (BUSY); the initiator sends it again. */
  private static final int ATTEMPTS = 8;

  /** One change in the making: working copies of every part, and the unit attentions it raises. */
  static final class Change {
    final PersistentReservations reservations;
    final LegacyReservation legacy = new LegacyReservation();
    final ModeParameters mode = new ModeParameters();
    private final List<Attention> raised = new ArrayList<>();
    private final long version;

    private Change(LuState from, long version) {
      this.version = version;
      this.reservations = PersistentReservations.of(from.reservations(),
          (nexus, sense) -> raised.add(new Attention(version, nexus, sense)));
      legacy.restore(from.legacyHolder());
      mode.restore(from.mode());
    }

    /** A unit attention for every nexus through every path. */
    void attentionForEveryNexus(Sense condition) {
      raised.add(new Attention(version, null, condition));
    }

    /** A unit attention for every nexus through every path but {@code except}'s. */
    void attentionForEveryNexusBut(ItNexus except, Sense condition) {
      raised.add(new Attention(version, except, condition, true));
    }

    private LuState state() {
      return new LuState(reservations.state(), legacy.holder(), mode.values());
    }
  }

  private final SharedUnitState store;
  private final String device;
  private final long uniqueId;
  private final PersistentReservations liveReservations;
  private final LegacyReservation liveLegacy;
  private final ModeParameters liveMode;
  private final UnitAttentions unitAttentions;
  private final IntSupplier localTag;
  /** The shared version the live copies hold; read without the lock on every command, written under it. */
  private volatile long version;
  private List<Attention> recent = List.of();
  /** The last change through this node: the next one starts after it. Under the lock. */
  private CompletableFuture<?> lastChange = CompletableFuture.completedFuture(null);

  SharedLuState(SharedUnitState store, String device, long uniqueId, PersistentReservations liveReservations,
      LegacyReservation liveLegacy, ModeParameters liveMode, UnitAttentions unitAttentions, IntSupplier localTag) {
    this.store = store;
    this.device = device;
    this.uniqueId = uniqueId;
    this.liveReservations = liveReservations;
    this.liveLegacy = liveLegacy;
    this.liveMode = liveMode;
    this.unitAttentions = unitAttentions;
    this.localTag = localTag;
  }

  /** Whether the store can keep a state through a power loss of the whole target (APTPL is offered). */
  boolean persistsThroughPowerLoss() {
    return store.persistsThroughPowerLoss();
  }

  /** Null if the live copies may answer now; else when they are caught up (false: not in time). See {@link SharedUnitState#caughtUp}. */
  CompletableFuture<Boolean> caughtUp() {
    return store.caughtUp(device, uniqueId);
  }

  /** Takes in a newer shared state, if there is one: before every command's checks. */
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
        install(newest.version(), SharedLuStateCodec.decode(newest.state()));
      } catch (IllegalArgumentException e) {
        log.error("{}: shared logical unit state version {} is unreadable, keeping version {}: {}", device,
            newest.version(), version, e.getMessage());
      }
    }
  }

  /**
   * Runs a PERSISTENT RESERVE OUT action on the newest shared state and shares its result; the
   * action must depend only on the reservations it is given.
   */
  CompletableFuture<Outcome> changeReservations(Function<PersistentReservations, Outcome> action) {
    return change(c -> action.apply(c.reservations));
  }

  /**
   * Runs a change on copies of the newest shared state and shares its result, after the changes
   * through this node before it; the action must depend only on the copies it is given, and may run
   * more than once. An exception from it fails the change, nothing shared.
   */
  <T> CompletableFuture<T> change(Function<Change, T> action) {
    CompletableFuture<T> result = new CompletableFuture<>();
    CompletableFuture<?> previous;
    synchronized (this) {
      previous = lastChange;
      lastChange = result;
    }
    // Outside the lock: the attempt takes it itself, and may run right here if nothing is before it.
    previous.handle((x, e) -> null).thenCompose(x -> attempt(action, ATTEMPTS)).whenComplete((value, failure) -> {
      if (failure == null) {
        result.complete(value);
      } else {
        result.completeExceptionally(failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure);
      }
    });
    return result;
  }

  /**
   * A unit attention for every nexus through every path (a LUN reset's), with whatever else the
   * reset drops: completes once shared. If it cannot be shared now, this node's nexuses still get it.
   */
  CompletableFuture<Void> reset(Sense condition, java.util.function.Consumer<Change> alsoDropped) {
    return change(c -> {
      alsoDropped.accept(c);
      c.attentionForEveryNexus(condition);
      return Outcome.OK;
    }).handle((outcome, failure) -> {
      if (failure != null) {
        log.warn("{}: {} not shared with the other paths: {}", device, condition, failure.toString());
        unitAttentions.establishForAll(condition);
      }
      return null;
    });
  }

  private <T> CompletableFuture<T> attempt(Function<Change, T> action, int attemptsLeft) {
    refresh();
    long base;
    LuState before;
    List<Attention> kept;
    synchronized (this) {
      base = version;
      before = new LuState(liveReservations.state(), liveLegacy.holder(), liveMode.values());
      kept = recent;
    }
    Change work = new Change(before, base + 1);
    T outcome;
    try {
      outcome = action.apply(work);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    LuState after = work.state();
    if (after.equals(before) && work.raised.isEmpty()) {
      return CompletableFuture.completedFuture(outcome); // nothing to share (a conflict, a repeat)
    }
    List<Attention> attentions = new ArrayList<>();
    for (Attention a : kept) {
      if (a.version() > base + 1 - SharedLuStateCodec.KEPT_VERSIONS) {
        attentions.add(a);
      }
    }
    attentions.addAll(work.raised);
    byte[] bytes = SharedLuStateCodec.encode(after, attentions);
    return store.commit(device, uniqueId, base, bytes, after.reservations().aptpl()).thenCompose(committed -> {
      if (committed) {
        synchronized (this) {
          if (version == base) {
            install(base + 1, new SharedLuStateCodec.Decoded(after, attentions));
          }
        }
        return CompletableFuture.completedFuture(outcome);
      }
      if (attemptsLeft <= 1) {
        return CompletableFuture.failedFuture(new CheckCondition(Sense.of(Sense.ABORTED_COMMAND, 0x00, 0x00)));
      }
      // Another path's change came first; it may not have reached this node's copy yet: a moment's pause.
      Executor later = CompletableFuture.delayedExecutor(10L * (ATTEMPTS - attemptsLeft + 1), TimeUnit.MILLISECONDS);
      return CompletableFuture.supplyAsync(() -> attempt(action, attemptsLeft - 1), later).thenCompose(f -> f);
    });
  }

  /** Under this lock: the state of {@code newVersion}, and the attentions of the versions skipped for our nexuses. */
  private void install(long newVersion, SharedLuStateCodec.Decoded decoded) {
    int tag = localTag.getAsInt();
    for (Attention a : decoded.attentions()) {
      if (a.version() <= version || a.version() > newVersion) {
        continue;
      }
      if (a.nexus() == null) {
        unitAttentions.establishForAll(a.sense());
      } else if (a.allBut()) {
        unitAttentions.establishForAllBut(a.nexus(), a.sense());
      } else if (a.nexus().tpgt() == tag) {
        unitAttentions.establish(a.nexus(), a.sense());
      }
    }
    LuState s = decoded.state();
    liveReservations.restore(s.reservations());
    liveLegacy.restore(s.legacyHolder());
    liveMode.restore(s.mode());
    version = newVersion;
    recent = List.copyOf(decoded.attentions());
  }
}
