package org.snipblock.cluster.replica;

import java.util.concurrent.CompletableFuture;

/** For tests in other packages: the throttle's admission, which only the primary's device calls. */
public final class WriteThrottleAccess {
  private WriteThrottleAccess() {}

  public static CompletableFuture<Void> admit(WriteThrottle t, long bytes) {
    return t.admit(bytes);
  }
}
