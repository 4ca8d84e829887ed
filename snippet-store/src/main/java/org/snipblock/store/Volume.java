package org.snipblock.store;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One volume while the store runs: its descriptor, its live layer (through which it reads its
 * snapshots and, for a clone, its parent), counters and in-flight requests.
 */
final class Volume {
  private volatile VolumeDescriptor descriptor;
  /** The layer writes go to; replaced by a snapshot (which freezes it) and by a rollback. */
  private volatile Layer live;
  /** Bumped by a rollback: handles opened before it fail, so clients reconnect to the new content. */
  private volatile int incarnation;
  final AtomicLong checksumErrors = new AtomicLong();
  /** Open handles on the live volume: a rollback refuses to pull data from under them unasked. */
  final java.util.concurrent.atomic.AtomicInteger openHandles = new java.util.concurrent.atomic.AtomicInteger();
  private int inFlight;
  private boolean deleted;

  Volume(VolumeDescriptor descriptor) {
    this.descriptor = descriptor;
    this.live = new Layer(descriptor.id(), descriptor.id(), null, null, descriptor.createdMillis(),
        descriptor.snippetSize());
  }

  Layer live() {
    return live;
  }

  void live(Layer layer) {
    live = layer;
  }

  VolumeDescriptor descriptor() {
    return descriptor;
  }

  void descriptor(VolumeDescriptor d) {
    descriptor = d;
  }

  long id() {
    return descriptor.id();
  }

  int incarnation() {
    return incarnation;
  }

  void reincarnate() {
    incarnation++;
  }

  /** Admits a request unless the volume is being deleted; pair with {@link #exit()}. */
  synchronized boolean enter() {
    if (deleted) {
      return false;
    }
    inFlight++;
    return true;
  }

  synchronized void exit() {
    if (--inFlight == 0) {
      notifyAll();
    }
  }

  /** Refuses new requests and waits for those in flight, so none lands after the delete. */
  synchronized boolean markDeletedAndDrain(long timeoutMillis) throws InterruptedException {
    deleted = true;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (inFlight > 0) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  synchronized boolean deleted() {
    return deleted;
  }

  /**
   * What {@code volume show} reports; {@code own} are all the volume's layers, {@code nameOf} names
   * the volume that owns a layer.
   */
  VolumeInfo info(java.util.List<Layer> own, java.util.function.LongFunction<String> nameOf,
      BackgroundProgress flatten) {
    VolumeDescriptor d = descriptor;
    Layer top = live;
    long stored = 0;
    for (Layer l : own) {
      stored += l.map.storedBytes();
    }
    Layer bottom = top;
    while (bottom.parent() != null && bottom.parent().owner == id()) {
      bottom = bottom.parent();
    }
    Layer p = bottom.parent();
    return new VolumeInfo(d.id(), d.name(), d.size(), d.snippetSize(), d.blockSize(), d.compression(),
        LayerReads.usedBytes(top, d.size()), stored, d.snippets(), checksumErrors.get(), d.created(),
        d.readOnly(), p == null ? null : nameOf.apply(p.owner) + "@" + p.snapshot(), flatten);
  }
}
