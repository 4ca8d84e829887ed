package org.snipblock.block;

import org.slf4j.MDC;

/**
 * The volume a thread is working for, in the logging context under "volume" (the daemon's JSON
 * log writes it as a field of each line). The threads that do this work serve many volumes in turn
 * (event loops, a worker, completion callbacks), so it is set around each piece of work and the
 * thread's previous value put back after it, never left behind for the next volume's work.
 */
public final class VolumeMdc implements AutoCloseable {
  public static final String KEY = "volume";

  /** Leaves the context as it was: the volume was already named (a completion run inside the door's own scope). */
  private static final VolumeMdc UNCHANGED = new VolumeMdc(null);

  private final String previous;

  private VolumeMdc(String previous) {
    this.previous = previous;
  }

  /** Names {@code volume} in the context until {@link #close}; null leaves the context as it is. */
  public static VolumeMdc of(String volume) {
    String previous = MDC.get(KEY);
    if (volume == null) {
      return new VolumeMdc(previous);
    }
    if (volume.equals(previous)) {
      return UNCHANGED;
    }
    MDC.put(KEY, volume);
    return new VolumeMdc(previous);
  }

  @Override
  public void close() {
    if (this == UNCHANGED) {
      return;
    }
    if (previous == null) {
      MDC.remove(KEY);
    } else {
      MDC.put(KEY, previous);
    }
  }
}
