package org.snipblock.store.qos;

/**
 * One bucket's limit, as QEMU has it: {@code average} units per second sustained; {@code burst}
 * ({@code *-max}, 0 = none) units per second allowed for {@code burstSeconds} ({@code *-max-length},
 * 1 unless a burst is set) once the bucket has been idle.
 */
public record BucketLimit(long average, long burst, long burstSeconds) {

  /** Without a burst, QEMU still lets a tenth of a second's worth through at once, so short bursts are not delayed one by one. */
  double bucketSize() {
    return burst == 0 ? average / 10.0 : (double) burst * burstSeconds;
  }

  /** While bursting longer than a second, no more than a tenth of a second at the burst rate at once. */
  double burstBucketSize() {
    return burst / 10.0;
  }

  boolean longBurst() {
    return burstSeconds > 1;
  }
}
