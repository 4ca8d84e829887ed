package org.snipblock.iscsi.scsi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The persistent reservation state of one logical unit (SPC-4 5.12): registrations per I_T nexus,
 * at most one reservation, the generation counter and APTPL (the last registration's bit: whether
 * the state outlives a power loss of the whole target, where the store can keep it). Every method is
 * atomic with respect to the others; unit attentions that result are handed to an
 * {@link Attentions} sink. {@link SharedLuState} runs every change on a copy made from the
 * shared {@link State} and shares the result, so all paths of the LU (all nodes) see one state.
 */
final class PersistentReservations {
  /** Where the unit attentions a change raises go. */
  interface Attentions {
    void establish(ItNexus nexus, Sense condition);
  }

  /** Everything a change may alter: what {@link SharedLuState} shares. */
  record State(Map<ItNexus, Long> registrations, ItNexus holder, ReservationType type, int generation,
      boolean aptpl) {
    static final State NONE = new State(Map.of(), null, null, 0);

    State {
      registrations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(registrations));
    }

    State(Map<ItNexus, Long> registrations, ItNexus holder, ReservationType type, int generation) {
      this(registrations, holder, type, generation, false);
    }
  }

  /** A registration as READ FULL STATUS reports it. */
  record Registration(ItNexus nexus, long key, boolean holder) {}

  /** The reservation as READ RESERVATION reports it. */
  record Reservation(long key, ReservationType type) {}

  private final Attentions unitAttentions;
  private final Map<ItNexus, Long> registrations = new LinkedHashMap<>();
  private ItNexus holder; // null for all-registrants types, which every registrant holds
  private ReservationType type; // null when not reserved
  private int generation;
  private boolean aptpl;

  PersistentReservations(Attentions unitAttentions) {
    this.unitAttentions = unitAttentions;
  }

  /** A working copy of {@code state} whose changes raise their unit attentions in {@code sink}. */
  static PersistentReservations of(State state, Attentions sink) {
    PersistentReservations pr = new PersistentReservations(sink);
    pr.restore(state);
    return pr;
  }

  /** A unit attention for every nexus of the LU, through every path (a reset's). */
  synchronized void establishForEveryNexus(Sense condition) {
    unitAttentions.establish(null, condition);
  }

  synchronized State state() {
    return new State(registrations, holder, type, generation, aptpl);
  }

  synchronized void restore(State state) {
    registrations.clear();
    registrations.putAll(state.registrations());
    holder = state.holder();
    type = state.type();
    generation = state.generation();
    aptpl = state.aptpl();
  }

  /** APTPL as the last successful registration set it (SPC-4 5.12.4). */
  synchronized boolean aptpl() {
    return aptpl;
  }

  synchronized int generation() {
    return generation;
  }

  synchronized List<Long> keys() {
    return new ArrayList<>(registrations.values());
  }

  synchronized Reservation reservation() {
    if (type == null) {
      return null;
    }
    return new Reservation(type.allRegistrants ? 0 : registrations.getOrDefault(holder, 0L), type);
  }

  synchronized ReservationType type() {
    return type;
  }

  synchronized List<Registration> registrations() {
    List<Registration> out = new ArrayList<>();
    registrations.forEach((n, k) -> out.add(new Registration(n, k, isHolder(n))));
    return out;
  }

  synchronized boolean isRegistered(ItNexus nexus) {
    return registrations.containsKey(nexus);
  }

  synchronized boolean anyRegistration() {
    return !registrations.isEmpty();
  }

  /**
   * Whether a command of this access kind from this nexus conflicts with the reservation
   * (SPC-4 5.12.3 and table 39).
   */
  synchronized boolean conflicts(ItNexus nexus, Access access) {
    if (type == null || access == Access.ALWAYS || access == Access.RESERVATION || isHolder(nexus)) {
      return false;
    }
    if (type.registrantsAccess && registrations.containsKey(nexus)) {
      return false;
    }
    return access == Access.WRITE || type.exclusiveAccess;
  }

  /** REGISTER and REGISTER AND IGNORE EXISTING KEY; a successful one sets APTPL to its bit. */
  synchronized Outcome register(ItNexus nexus, long key, long newKey, boolean ignoreExisting, boolean aptplBit) {
    Outcome outcome = register(nexus, key, newKey, ignoreExisting);
    if (outcome == Outcome.OK) {
      aptpl = aptplBit;
    }
    return outcome;
  }

  private Outcome register(ItNexus nexus, long key, long newKey, boolean ignoreExisting) {
    Long current = registrations.get(nexus);
    if (current == null) {
      if (!ignoreExisting && key != 0) {
        return Outcome.CONFLICT;
      }
      if (newKey != 0) {
        registrations.put(nexus, newKey);
        generation++;
      }
      return Outcome.OK;
    }
    if (!ignoreExisting && key != current) {
      return Outcome.CONFLICT;
    }
    if (newKey == 0) {
      unregister(nexus);
    } else {
      registrations.put(nexus, newKey);
    }
    generation++;
    return Outcome.OK;
  }

  synchronized Outcome reserve(ItNexus nexus, long key, ReservationType wanted) {
    if (!keyMatches(nexus, key)) {
      return Outcome.CONFLICT;
    }
    if (type != null) {
      return isHolder(nexus) && type == wanted ? Outcome.OK : Outcome.CONFLICT;
    }
    type = wanted;
    holder = wanted.allRegistrants ? null : nexus;
    return Outcome.OK;
  }

  synchronized Outcome release(ItNexus nexus, long key, ReservationType stated) {
    if (!keyMatches(nexus, key)) {
      return Outcome.CONFLICT;
    }
    if (type == null || !isHolder(nexus)) {
      return Outcome.OK;
    }
    if (stated != type) {
      return Outcome.INVALID_RELEASE;
    }
    ReservationType released = type;
    clearReservation();
    if (released.registrantsAccess) {
      notifyRegistrants(nexus, UnitAttentions.RESERVATIONS_RELEASED);
    }
    return Outcome.OK;
  }

  synchronized Outcome clear(ItNexus nexus, long key) {
    if (!keyMatches(nexus, key)) {
      return Outcome.CONFLICT;
    }
    notifyRegistrants(nexus, UnitAttentions.RESERVATIONS_PREEMPTED);
    registrations.clear();
    clearReservation();
    generation++;
    return Outcome.OK;
  }

  /** PREEMPT and PREEMPT AND ABORT (SPC-4 5.12.11.4). */
  synchronized Outcome preempt(ItNexus nexus, long key, long victimKey, ReservationType wanted) {
    if (!keyMatches(nexus, key)) {
      return Outcome.CONFLICT;
    }
    if (type == null) {
      if (victimKey == 0) {
        return Outcome.INVALID_PARAMETER;
      }
      return removeKey(nexus, victimKey) ? bump() : Outcome.CONFLICT;
    }
    if (type.allRegistrants) {
      if (victimKey == 0) {
        for (ItNexus other : new ArrayList<>(registrations.keySet())) {
          if (!other.equals(nexus)) {
            registrations.remove(other);
            unitAttentions.establish(other, UnitAttentions.REGISTRATIONS_PREEMPTED);
          }
        }
        type = wanted;
        holder = wanted.allRegistrants ? null : nexus;
        return bump();
      }
      return removeKey(nexus, victimKey) ? bump() : Outcome.CONFLICT;
    }
    long holderKey = registrations.getOrDefault(holder, 0L);
    if (victimKey == holderKey) {
      ItNexus oldHolder = holder;
      removeKey(nexus, victimKey);
      boolean changed = type != wanted;
      type = wanted;
      holder = wanted.allRegistrants ? null : nexus;
      if (changed) {
        notifyRegistrants(nexus, UnitAttentions.RESERVATIONS_RELEASED);
      }
      if (oldHolder != null && !oldHolder.equals(nexus) && registrations.containsKey(oldHolder)) {
        unitAttentions.establish(oldHolder, UnitAttentions.RESERVATIONS_PREEMPTED);
      }
      return bump();
    }
    if (victimKey == 0) {
      return Outcome.INVALID_PARAMETER;
    }
    return removeKey(nexus, victimKey) ? bump() : Outcome.CONFLICT;
  }

  /** REGISTER AND MOVE: only the holder of a non-all-registrants reservation may move it. */
  /** REGISTER AND MOVE; a successful one sets APTPL to its bit. */
  synchronized Outcome registerAndMove(
      ItNexus nexus, long key, long newKey, ItNexus destination, boolean unregisterSource, boolean aptplBit) {
    Outcome outcome = registerAndMove(nexus, key, newKey, destination, unregisterSource);
    if (outcome == Outcome.OK) {
      aptpl = aptplBit;
    }
    return outcome;
  }

  private Outcome registerAndMove(
      ItNexus nexus, long key, long newKey, ItNexus destination, boolean unregisterSource) {
    if (!keyMatches(nexus, key)) {
      return Outcome.CONFLICT;
    }
    if (type == null || !isHolder(nexus)) {
      return Outcome.CONFLICT;
    }
    if (type.allRegistrants || newKey == 0) {
      return Outcome.INVALID_PARAMETER;
    }
    if (destination.equals(nexus)) {
      return Outcome.INVALID_PARAMETER;
    }
    registrations.put(destination, newKey);
    holder = destination;
    if (unregisterSource) {
      registrations.remove(nexus);
    }
    return bump();
  }

  enum Outcome { OK, CONFLICT, INVALID_RELEASE, INVALID_PARAMETER }

  private Outcome bump() {
    generation++;
    return Outcome.OK;
  }

  private boolean keyMatches(ItNexus nexus, long key) {
    Long current = registrations.get(nexus);
    return current != null && current == key;
  }

  private boolean isHolder(ItNexus nexus) {
    if (type == null) {
      return false;
    }
    return type.allRegistrants ? registrations.containsKey(nexus) : nexus.equals(holder);
  }

  private void unregister(ItNexus nexus) {
    boolean wasHolder = isHolder(nexus);
    registrations.remove(nexus);
    if (!wasHolder) {
      return;
    }
    // An all-registrants reservation lives on while any registrant remains (SPC-4 5.12.11.2.2).
    if (type.allRegistrants && !registrations.isEmpty()) {
      return;
    }
    ReservationType released = type;
    clearReservation();
    if (released.registrantsAccess) {
      notifyRegistrants(nexus, UnitAttentions.RESERVATIONS_RELEASED);
    }
  }

  /** Removes every registration with this key; true if any was removed. */
  private boolean removeKey(ItNexus preemptor, long victimKey) {
    boolean any = false;
    for (ItNexus n : new ArrayList<>(registrations.keySet())) {
      if (registrations.get(n) == victimKey) {
        any = true;
        if (!n.equals(preemptor)) {
          registrations.remove(n);
          unitAttentions.establish(n, UnitAttentions.REGISTRATIONS_PREEMPTED);
        }
      }
    }
    if (type != null && holder != null && !registrations.containsKey(holder)) {
      clearReservation();
    }
    return any;
  }

  private void clearReservation() {
    type = null;
    holder = null;
  }

  private void notifyRegistrants(ItNexus except, Sense condition) {
    for (ItNexus n : registrations.keySet()) {
      if (!n.equals(except)) {
        unitAttentions.establish(n, condition);
      }
    }
  }
}
