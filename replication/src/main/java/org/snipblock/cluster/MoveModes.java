package org.snipblock.cluster;

import org.snipblock.cluster.RelocationSettings.MoveMode;

/**
 * How a relocated copy keeps in step while it moves, decided per move: the operator's
 * {@code move-mode} when it enforces one, else by the measured round trip from the volume's
 * primary to the target: within the sites' sync bound the move is SYNC (the stripe keeps its
 * mode), beyond it ASYNC (the stripe is replicated asynchronously until the switch, so writes do
 * not wait on the distant link). An unmeasured round trip counts as near: SYNC is never wrong.
 */
final class MoveModes {
  private MoveModes() {}

  static MoveMode choose(MoveMode configured, Double rttMillis, double syncBoundMillis) {
    if (configured != MoveMode.AUTO) {
      return configured;
    }
    return rttMillis != null && rttMillis > syncBoundMillis ? MoveMode.ASYNC : MoveMode.SYNC;
  }
}
