package org.snipblock.cluster.follow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.replica.ReplicationMode;

/** The automatic mode control's decisions and ballooning's steps, on measured samples. */
class ModeGovernorTest {
  private static final long MIB = 1 << 20;
  private final SiteSettings settings = new SiteSettings(Duration.ofMillis(5), MIB, Duration.ofMillis(100),
      2 * MIB, null);
  private final LinkGauge gauge = new LinkGauge();
  private long nanos;
  private long written;
  private long acked;

  /** One second in which {@code write} bytes were written, {@code ack} acknowledged, and the lag is {@code lag}. */
  private void second(long write, long ack, long lag) {
    nanos += 1_000_000_000L;
    written += write;
    acked += ack;
    gauge.sample(nanos, written, Map.of("n3", new long[] {lag, acked}));
  }

  @Test
  void asyncGoesSyncOnlyOnceTheLagIsSmallAndTheWritesFitTheLink() {
    ModeGovernor g = new ModeGovernor(settings);
    second(0, 0, 0);
    second(20 * MIB, 8 * MIB, 30 * MIB);
    second(20 * MIB, 8 * MIB, 42 * MIB);
    assertThat(gauge.linkRate()).isEqualTo(8.0 * MIB);
    assertThat(g.decide(ReplicationMode.ASYNC, gauge, 3)).as("far behind").isEmpty();
    second(0, 8 * MIB, 34 * MIB);
    second(0, 8 * MIB, 26 * MIB);
    assertThat(g.decide(ReplicationMode.ASYNC, gauge, 3)).isEmpty();
    second(0, 8 * MIB, 0);
    assertThat(g.decide(ReplicationMode.ASYNC, gauge, 0)).as("one tick is not enough").isEmpty();
    second(0, 0, 0);
    ModeGovernor.Decision d = g.decide(ReplicationMode.ASYNC, gauge, 0).orElseThrow();
    assertThat(d.to()).isEqualTo(ReplicationMode.SYNC);
    assertThat(d.reason()).startsWith("lag 0 B within 1.0 MiB; writes").contains("fit the link (8.0 MiB/s)");
  }

  @Test
  void aWriterFasterThanTheLinkKeepsAsyncEvenAtASmallLag() {
    ModeGovernor g = new ModeGovernor(settings);
    second(0, 0, MIB / 2);
    second(20 * MIB, 8 * MIB, MIB / 2);
    second(20 * MIB, 8 * MIB, MIB / 2);
    second(20 * MIB, 8 * MIB, MIB / 2);
    assertThat(g.decide(ReplicationMode.ASYNC, gauge, 0.1)).isEmpty();
    assertThat(g.decide(ReplicationMode.ASYNC, gauge, 0.1)).isEmpty();
  }

  @Test
  void syncGoesAsyncWhenWritesKeepWaitingForABackloggedLink() {
    ModeGovernor g = new ModeGovernor(settings);
    second(0, 0, MIB);
    second(4 * MIB, 4 * MIB, MIB);
    assertThat(g.decide(ReplicationMode.SYNC, gauge, 0.05)).as("waits within the bound").isEmpty();
    assertThat(g.decide(ReplicationMode.SYNC, gauge, 0.3)).isEmpty();
    ModeGovernor.Decision d = g.decide(ReplicationMode.SYNC, gauge, 0.3).orElseThrow();
    assertThat(d.to()).isEqualTo(ReplicationMode.ASYNC);
    assertThat(d.reason()).isEqualTo("writes wait 300 ms for the replicas (bound 100 ms): the link (4.0 MiB/s) "
        + "does not keep up");
    second(1, 1, 0);
    assertThat(g.decide(ReplicationMode.SYNC, gauge, 0.3)).as("no backlog: the writer is not held back").isEmpty();
  }

  @Test
  void aBurstCountsFromItsFirstTickSoAShortOneStillSwitches() {
    ModeGovernor g = new ModeGovernor(settings);
    second(0, 0, 0);
    second(4 * MIB, 0, 4 * MIB);
    assertThat(g.decide(ReplicationMode.SYNC, gauge, 0.9)).as("first tick of the burst: one vote").isEmpty();
    second(4 * MIB, 4 * MIB, 4 * MIB);
    assertThat(g.decide(ReplicationMode.SYNC, gauge, 1.9)).as("second tick in a row: switch")
        .map(ModeGovernor.Decision::to).contains(ReplicationMode.ASYNC);
  }

  @Test
  void ballooningLowersTheRateWhileTheLagGrowsRaisesItWhileItShrinksAndReleasesOnceCaughtUp() {
    Balloon b = new Balloon(settings);
    second(0, 0, 10 * MIB);
    second(20 * MIB, 8 * MIB, 22 * MIB);
    Balloon.Step lowered = b.step(gauge, 0);
    assertThat(lowered).isEqualTo(new Balloon.Limit(4 * MIB, true));
    assertThat(b.step(gauge, 4 * MIB)).as("already at half the link").isEqualTo(new Balloon.Keep());
    second(4 * MIB, 8 * MIB, 18 * MIB);
    assertThat(b.step(gauge, 4 * MIB)).isEqualTo(new Balloon.Limit(4 * MIB + 4 * MIB / 5, false));
    second(4 * MIB, 8 * MIB, MIB / 2);
    assertThat(b.step(gauge, 4 * MIB)).isEqualTo(new Balloon.Release());
  }

  @Test
  void ballooningNeverThrottlesBelowTheFloor() {
    second(0, 0, 10 * MIB);
    second(4 * MIB, MIB / 4, 14 * MIB);
    assertThat(new Balloon(settings).step(gauge, 0)).isEqualTo(new Balloon.Limit(2 * MIB, true));
  }
}
