package org.snipblock.cluster.replica;

import java.util.concurrent.CompletableFuture;

/**
 * Holds a primary's new changes while it hands the volume over: changes already running finish
 * (they are counted in and out), changes that arrive meanwhile wait for the gate to open and then
 * go through the usual checks again, which send them on to the new primary once it has taken over.
 */
final class HandoverGate {
  private int running;
  private CompletableFuture<Void> held;     // non-null while the gate is closed
  private CompletableFuture<Void> drained;  // completes once nothing admitted before closing runs

  /** Admits a change (null) or returns what it must wait for. */
  synchronized CompletableFuture<Void> enter() {
    if (held != null) {
      return held;
    }
    running++;
    return null;
  }

  /** True while closed: a handover is under way and new changes wait. */
  synchronized boolean holding() {
    return held != null;
  }

  /** An admitted change finished. */
  synchronized void leave() {
    running--;
    if (running == 0 && drained != null) {
      drained.complete(null);
    }
  }

  /** Closes the gate; completes once every change admitted before has finished. Refused while already closed. */
  synchronized CompletableFuture<Void> close() {
    if (held != null) {
      throw new IllegalStateException("a handover of this volume is already under way");
    }
    held = new CompletableFuture<>();
    drained = new CompletableFuture<>();
    if (running == 0) {
      drained.complete(null);
    }
    return drained;
  }

  /** Opens the gate: the held changes go through the checks again. */
  void open() {
    CompletableFuture<Void> release;
    synchronized (this) {
      release = held;
      held = null;
      drained = null;
    }
    if (release != null) {
      release.complete(null);
    }
  }
}
