package org.snipblock.store.qos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The limiter against a hand-turned clock: how many requests start when, under QEMU's bucket rules. */
class VolumeThrottleTest {
  private final ManualTimer clock = new ManualTimer();
  private final VolumeThrottle throttle = new VolumeThrottle(clock);

  /** Submits n requests at once and returns their futures. */
  private List<CompletableFuture<Void>> submit(int n, boolean write, long length) {
    List<CompletableFuture<Void>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(throttle.admit(write, length));
    }
    return out;
  }

  private static long started(List<CompletableFuture<Void>> fs) {
    return fs.stream().filter(CompletableFuture::isDone).count();
  }

  @Test
  void withoutLimitsEverythingStartsAtOnce() {
    assertThat(started(submit(10_000, true, 1 << 20))).isEqualTo(10_000);
    assertThat(clock.pending()).isZero();
    assertThat(throttle.state().throttled()).isFalse();
  }

  @Test
  void aFullBucketDelaysAndTheAverageRateHoldsOverTime() {
    throttle.configure(QosLimits.parse("iops-total=100"));
    List<CompletableFuture<Void>> fs = submit(1100, false, 4096);
    // An empty bucket takes a tenth of a second's worth (10) and the request that fills it (QEMU's rule).
    assertThat(started(fs)).isEqualTo(11);
    assertThat(throttle.state().throttled()).isTrue();
    assertThat(throttle.state().waiting()).isEqualTo(1089);
    clock.advanceMillis(1000);
    assertThat(started(fs)).isBetween(110L, 112L);
    clock.advanceMillis(9000);
    assertThat(started(fs)).isBetween(1010L, 1012L);
    assertThat(fs.stream().filter(f -> f.isCompletedExceptionally()).count()).isZero();
  }

  @Test
  void bytesBucketCountsBytesAndReadsAndWritesSeparately() {
    throttle.configure(QosLimits.parse("bps-write=1M"));
    List<CompletableFuture<Void>> writes = submit(40, true, 256 << 10);
    List<CompletableFuture<Void>> reads = submit(40, false, 256 << 10);
    assertThat(started(reads)).isEqualTo(40);
    assertThat(started(writes)).isEqualTo(1);
    clock.advanceMillis(2000);
    // 1 MiB/s: four 256 KiB writes a second.
    assertThat(started(writes)).isBetween(8L, 10L);
  }

  @Test
  void aBurstRunsAtTheBurstRateForItsLengthThenFallsBackToTheAverage() {
    throttle.configure(QosLimits.parse("iops-write=100,iops-write-max=1000,iops-write-max-length=5"));
    List<CompletableFuture<Void>> fs = submit(20_000, true, 4096);
    // At most a tenth of a second at the burst rate at once.
    assertThat(started(fs)).isBetween(100L, 102L);
    clock.advanceMillis(1000);
    long oneSecond = started(fs);
    assertThat(oneSecond).isBetween(1000L, 1102L);
    clock.advanceMillis(4000);
    // The bucket holds 1000 x 5; it drains at 100/s meanwhile, so the burst lasts a little over 5 s.
    long fiveSeconds = started(fs);
    assertThat(fiveSeconds).isBetween(4900L, 5200L);
    clock.advanceMillis(2000);
    long sevenSeconds = started(fs);
    clock.advanceMillis(10_000);
    // After the burst: the average again.
    assertThat(started(fs) - sevenSeconds).isBetween(990L, 1010L);
    assertThat(sevenSeconds).isBetween(5500L, 5900L);
  }

  @Test
  void aBurstOfOneSecondLetsTheWholeBurstStartAtOnce() {
    throttle.configure(QosLimits.parse("iops-total=10,iops-total-max=50"));
    List<CompletableFuture<Void>> fs = submit(100, true, 512);
    assertThat(started(fs)).isEqualTo(51);
    clock.advanceMillis(1000);
    assertThat(started(fs)).isBetween(60L, 62L);
  }

  @Test
  void theBurstRefillsOnlyWhileIdle() {
    throttle.configure(QosLimits.parse("iops-total=10,iops-total-max=50"));
    submit(51, false, 512);
    clock.advanceMillis(5000);
    // 5 s idle drained 50 of the 51: the next burst is whole again but for the one left.
    assertThat(started(submit(60, false, 512))).isEqualTo(50);
  }

  @Test
  void aLiveChangeTakesEffectAtOnce() {
    throttle.configure(QosLimits.parse("iops-total=10"));
    List<CompletableFuture<Void>> fs = submit(100, true, 4096);
    assertThat(started(fs)).isEqualTo(2);
    // Raised: waiting requests go at once as far as the new (empty) buckets allow.
    throttle.configure(QosLimits.parse("iops-total=500"));
    assertThat(started(fs)).isEqualTo(2 + 51);
    clock.advanceMillis(100);
    assertThat(started(fs)).isEqualTo(100);
    // Lowered: new requests meet the lower limit.
    throttle.configure(QosLimits.parse("iops-total=10"));
    List<CompletableFuture<Void>> more = submit(20, true, 4096);
    assertThat(started(more)).isEqualTo(2);
    // Lifted: every waiting request goes.
    throttle.configure(QosLimits.none());
    assertThat(started(more)).isEqualTo(20);
    assertThat(throttle.state().waiting()).isZero();
  }

  @Test
  void readsAndWritesTakeTurnsInATotalBucket() {
    throttle.configure(QosLimits.parse("iops-total=100"));
    List<CompletableFuture<Void>> writes = submit(200, true, 4096);
    List<CompletableFuture<Void>> reads = submit(200, false, 4096);
    clock.advanceMillis(2000);
    assertThat(started(reads)).isBetween(90L, 110L);
    assertThat(started(writes)).isBetween(100L, 122L);
  }

  @Test
  void showsThrottledUntilASecondAfterTheLastDelay() {
    throttle.configure(QosLimits.parse("iops-total=10"));
    submit(3, true, 4096);
    assertThat(throttle.state().throttled()).isTrue();
    assertThat(throttle.state().delayed()).isEqualTo(1);
    clock.advanceMillis(500);
    assertThat(throttle.state().waiting()).isZero();
    assertThat(throttle.state().throttled()).isTrue();
    clock.advanceMillis(1000);
    assertThat(throttle.state().throttled()).isFalse();
  }

  @Test
  void releaseAllLetsEveryWaitingRequestGo() {
    throttle.configure(QosLimits.parse("iops-total=10"));
    List<CompletableFuture<Void>> fs = submit(50, true, 4096);
    throttle.releaseAll();
    assertThat(started(fs)).isEqualTo(50);
  }
}
