package org.snipblock.iscsi.scsi;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Unit attention conditions queued per I_T nexus (SPC-4 5.14). A nexus seen for the first time
 * starts with POWER ON, RESET, OR BUS DEVICE RESET OCCURRED, as every initiator expects after
 * login. Thread-safe: commands of many sessions arrive on different event loops.
 */
final class UnitAttentions implements PersistentReservations.Attentions {
  /** NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED: the volume was rolled back to a snapshot. */
  static final Sense MEDIUM_MAY_HAVE_CHANGED = Sense.of(Sense.UNIT_ATTENTION, 0x28, 0x00);
  static final Sense POWER_ON_RESET = Sense.of(Sense.UNIT_ATTENTION, 0x29, 0x00);
  static final Sense BUS_DEVICE_RESET = Sense.of(Sense.UNIT_ATTENTION, 0x29, 0x03);
  static final Sense I_T_NEXUS_LOSS = Sense.of(Sense.UNIT_ATTENTION, 0x29, 0x07);
  static final Sense MODE_PARAMETERS_CHANGED = Sense.of(Sense.UNIT_ATTENTION, 0x2a, 0x01);
  static final Sense RESERVATIONS_PREEMPTED = Sense.of(Sense.UNIT_ATTENTION, 0x2a, 0x03);
  static final Sense RESERVATIONS_RELEASED = Sense.of(Sense.UNIT_ATTENTION, 0x2a, 0x04);
  static final Sense REGISTRATIONS_PREEMPTED = Sense.of(Sense.UNIT_ATTENTION, 0x2a, 0x05);
  static final Sense CAPACITY_DATA_CHANGED = Sense.of(Sense.UNIT_ATTENTION, 0x2a, 0x09);

  // Bounded: a nexus that never sends a command must not grow its queue without end.
  private static final int MAX_QUEUED = 16;

  private final Map<ItNexus, Deque<Sense>> pending = new HashMap<>();

  /** Registers the nexus if new (queueing the power-on condition); true if it was new. */
  synchronized boolean arrive(ItNexus nexus) {
    if (pending.containsKey(nexus)) {
      return false;
    }
    Deque<Sense> q = new ArrayDeque<>();
    q.add(POWER_ON_RESET);
    pending.put(nexus, q);
    return true;
  }

  @Override
  public synchronized void establish(ItNexus nexus, Sense condition) {
    Deque<Sense> q = pending.computeIfAbsent(nexus, n -> new ArrayDeque<>());
    if (!q.contains(condition) && q.size() < MAX_QUEUED) {
      q.add(condition);
    }
  }

  synchronized void establishForAll(Sense condition) {
    for (ItNexus n : pending.keySet()) {
      establish(n, condition);
    }
  }

  synchronized void establishForAllBut(ItNexus except, Sense condition) {
    for (ItNexus n : pending.keySet()) {
      if (!n.equals(except)) {
        establish(n, condition);
      }
    }
  }

  /** Takes the oldest pending condition of this nexus, or null. */
  synchronized Sense poll(ItNexus nexus) {
    Deque<Sense> q = pending.get(nexus);
    return q == null ? null : q.poll();
  }

  synchronized void forget(ItNexus nexus) {
    pending.remove(nexus);
  }
}
