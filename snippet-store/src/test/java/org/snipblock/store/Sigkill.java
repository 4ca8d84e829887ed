package org.snipblock.store;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * kill -9 for a child process whose output is still being read. {@link Process#destroyForcibly()}
 * also closes our ends of the child's pipes, so whatever the child wrote before it died but we had
 * not read yet is lost; a durability oracle fed from that output then misses the last requests the
 * child issued and reports their data as corruption. Killing through the process handle leaves the
 * pipes open: the reader drains them to end of file.
 */
final class Sigkill {
  private Sigkill() {}

  /** Sends SIGKILL and waits up to {@code wait} for the child to be gone; true once it is. */
  static boolean kill(Process child, Duration wait) throws InterruptedException {
    child.toHandle().destroyForcibly();
    return child.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
  }
}
