package org.snipblock.iscsi.scsi;

/**
 * The SPC-2 RESERVE/RELEASE reservation: one nexus holds the whole logical unit. Released by
 * RELEASE, by loss of the holder's nexus, and by LUN or target reset (SPC-2 5.5.1).
 */
final class LegacyReservation {
  private ItNexus holder;

  synchronized boolean reserve(ItNexus nexus) {
    if (holder != null && !holder.equals(nexus)) {
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

  synchronized boolean heldByOther(ItNexus nexus) {
    return holder != null && !holder.equals(nexus);
  }
}
