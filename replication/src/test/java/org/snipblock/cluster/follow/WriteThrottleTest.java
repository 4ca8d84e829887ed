package org.snipblock.cluster.follow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.replica.WriteThrottle;
import org.snipblock.cluster.replica.WriteThrottleAccess;

class WriteThrottleTest {
  @Test
  void offAdmitsAtOnceLimitedHoldsWhatExceedsTheBurstReleaseLetsItGo() throws Exception {
    WriteThrottle t = new WriteThrottle();
    assertThat(WriteThrottleAccess.admit(t, 64L << 20)).isDone();
    t.limit(1 << 20);
    assertThat(t.rate()).isEqualTo(1 << 20);
    assertThat(WriteThrottleAccess.admit(t, 64 << 10)).as("within the burst").isDone();
    assertThat(WriteThrottleAccess.admit(t, 64L << 20)).as("starts within the burst, paid for after").isDone();
    CompletableFuture<Void> held = WriteThrottleAccess.admit(t, 4096);
    CompletableFuture<Void> behind = WriteThrottleAccess.admit(t, 4096);
    assertThat(held).as("behind 64 MiB at 1 MiB/s it waits about a minute").isNotDone();
    assertThat(behind).as("and what comes after it waits too").isNotDone();
    t.release();
    held.get(5, TimeUnit.SECONDS);
    behind.get(5, TimeUnit.SECONDS);
    assertThat(t.rate()).isZero();
    assertThat(WriteThrottleAccess.admit(t, 64L << 20)).isDone();
  }

  @Test
  void aRateMustBePositive() {
    assertThatThrownBy(() -> new WriteThrottle().limit(0)).hasMessageContaining("must be positive");
  }
}
