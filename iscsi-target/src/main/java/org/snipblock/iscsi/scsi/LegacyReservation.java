package org.snipblock.iscsi.scsi;

import java.util.function.Predicate;

/**
 * The SPC-2 RESERVE/RELEASE reservation: one nexus holds the whole logical unit. Released by
 * RELEASE, by loss of the holder's nexus, and by LUN or target reset (SPC-2 5.5.1). Part of the
 * LU's shared state ({@link SharedUnitStateSync}): a holder whose path is gone (its node left the
 * cluster, taking the nexus with it) holds nothing, see {@code pathAlive}.
 */
final class LegacyReservation {
  private ItNexus holder;

  /** @param pathAlive whether a nexus's target port is still there; a holder whose port is gone lost its nexus */
  synchronized boolean reserve(ItNexus nexus, Predicate<ItNexus> pathAlive) {
    if (heldByOther(nexus, pathAlive)) {
      return false;
    }
    holder = nexus;
    return true;
  }

  /** Releasing a reservation one does not hold is not an error, just a no-op. */
  synchronized void release(ItNexus nexus) {
    if (nexus.equals(holder)) {
      holder = null;
    }
  }

  synchronized void reset() {
    holder = null;
  }

  synchronized boolean heldByOther(ItNexus nexus, Predicate<ItNexus> pathAlive) {
    return holder != null && !holder.equals(nexus) && pathAlive.test(holder);
  }

  synchronized boolean heldBy(ItNexus nexus) {
    return nexus.equals(holder);
  }

  /** The holder, or null: what the LU's shared state keeps. */
  synchronized ItNexus holder() {
    return holder;
  }

  synchronized void restore(ItNexus newHolder) {
    holder = newHolder;
  }
}
