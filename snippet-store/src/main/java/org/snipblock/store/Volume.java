package org.snipblock.store;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** One volume while the store runs: its descriptor, allocation, counters and in-flight requests. */
final class Volume {
  private volatile VolumeDescriptor descriptor;
  final AllocationMap allocation;
  final AtomicLong checksumErrors = new AtomicLong();
  private int inFlight;
  private boolean deleted;

  Volume(VolumeDescriptor descriptor) {
    this.descriptor = descriptor;
    this.allocation = new AllocationMap(descriptor.snippetSize());
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

  VolumeInfo info() {
    VolumeDescriptor d = descriptor;
    return new VolumeInfo(d.id(), d.name(), d.size(), d.snippetSize(), d.blockSize(), d.compression(),
        allocation.usedBytes(), allocation.storedBytes(), d.snippets(), checksumErrors.get(), d.created());
  }
}
