package org.snipblock.cluster.follow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.replica.ResyncProgress;
import org.snipblock.cluster.replica.WriteThrottle;

/**
 * Ballooning while a migration builds copies, on samples taken by a hand-turned clock: what remains
 * to send to the new copy on n3 (its resync's snippets still to compare, its stream's lag) must
 * shrink, and closing the ballooning never leaves the writes throttled.
 */
class CopyBallooningTest {
  private static final long MIB = 1 << 20;
  private final SiteSettings settings = new SiteSettings(Duration.ofMillis(5), MIB, Duration.ofMillis(100),
      2 * MIB, null);
  private final LinkGauge gauge = new LinkGauge();
  private final WriteThrottle throttle = new WriteThrottle();
  private final AtomicBoolean catchingUp = new AtomicBoolean();
  private final List<CopyBallooning> forgotten = new ArrayList<>();
  private final CopyBallooning ballooning = new CopyBallooning("vm1", () -> Set.of("n3"), settings,
      catchingUp::get, forgotten::add);
  private long nanos;
  private long written;
  private long acked;

  /** 16 snippets of 1 MiB over 4 stripes, every one on n1 and (stale while {@code stale}) on n3. */
  private static VolumeRecord volume(boolean stale) {
    VolumeRecord.Builder v = VolumeRecord.newBuilder().setName("vm1").setSize(16 * MIB).setSnippetSize((int) MIB)
        .setPrimary("n1");
    for (int i = 0; i < 4; i++) {
      SnippetPlacement.Builder s = SnippetPlacement.newBuilder().addNodes("n1").addNodes("n3");
      if (stale) {
        s.addStale("n3");
      }
      v.addSnippets(s);
    }
    return v.build();
  }

  private static ResyncProgress resync(long done) {
    return new ResyncProgress("n3", done, 16, done * MIB, true, null, "resync");
  }

  /** One second: {@code write} bytes written, {@code ack} acknowledged by n3, its stream's lag now {@code lag}; then a tick. */
  private void second(long write, long ack, long lag, VolumeRecord v, List<ResyncProgress> resyncs) {
    nanos += 1_000_000_000L;
    written += write;
    acked += ack;
    Map<String, long[]> streams = Map.of("n3", new long[] {lag, acked});
    gauge.sample(nanos, written, streams);
    ballooning.steer(v, streams, resyncs, gauge, throttle);
  }

  @Test
  void whatIsLeftToSendMustShrinkHalvingTowardTheLinkRaisingByAFifthReleasedOnceSent() {
    second(0, 0, 4 * MIB, volume(true), List.of());
    assertThat(ballooning.backlog()).as("16 stale snippets, none compared yet, and the stream's lag")
        .isEqualTo(20 * MIB);
    assertThat(throttle.rate()).as("one sample shows no trend").isZero();

    second(12 * MIB, 8 * MIB, 8 * MIB, volume(true), List.of(resync(0)));
    assertThat(ballooning.backlog()).isEqualTo(24 * MIB);
    assertThat(throttle.rate()).as("not shrinking: half the link (8 MiB/s)").isEqualTo(4 * MIB);

    second(4 * MIB, 8 * MIB, 6 * MIB, volume(true), List.of(resync(6)));
    assertThat(ballooning.backlog()).isEqualTo(16 * MIB);
    assertThat(throttle.rate()).as("shrinking: a fifth more").isEqualTo(4 * MIB + 4 * MIB / 5);

    second(5 * MIB, 8 * MIB, 6 * MIB, volume(true), List.of(resync(6)));
    assertThat(throttle.rate()).as("stalled again: back to half the link").isEqualTo(4 * MIB);

    second(4 * MIB, 8 * MIB, MIB / 2, volume(false), List.of());
    assertThat(ballooning.backlog()).as("resynced and on record in sync: only the lag is left").isEqualTo(MIB / 2);
    assertThat(throttle.rate()).as("within auto-sync-lag").isZero();
    assertThat(ballooning.outcome()).isEqualTo("writes throttled while copying, down to 4.0 MiB/s");
    ballooning.close();
    assertThat(forgotten).containsExactly(ballooning);
  }

  @Test
  void aSlowLinkIsNeverMetBelowTheFloor() {
    second(0, 0, 4 * MIB, volume(true), List.of());
    second(4 * MIB, MIB, 7 * MIB, volume(true), List.of(resync(0)));
    assertThat(throttle.rate()).as("half of 1 MiB/s is below the 2 MiB/s floor").isEqualTo(2 * MIB);
  }

  @Test
  void theResyncCountsOnlyOnceItComparesTheLiveLayerOfTheNewCopy() {
    List<ResyncProgress> others = List.of(new ResyncProgress("n3", 0, 0, 0, true, null, "resync snapshots"),
        new ResyncProgress("n2", 3, 16, 0, true, null, "resync"),
        new ResyncProgress("n3", 10, 16, 0, true, null, "scrub"));
    second(0, 0, 0, volume(true), others);
    assertThat(ballooning.backlog()).as("the record's 16 stale snippets: no resync of n3's live layer runs yet")
        .isEqualTo(16 * MIB);
    second(0, 0, 0, volume(true), List.of(resync(15)));
    assertThat(ballooning.backlog()).isEqualTo(MIB);
  }

  @Test
  void closingReleasesTheThrottleAndNoLaterTickSetsItAgain() {
    second(0, 0, 4 * MIB, volume(true), List.of());
    second(12 * MIB, 8 * MIB, 8 * MIB, volume(true), List.of(resync(0)));
    assertThat(throttle.rate()).isPositive();
    ballooning.close();
    assertThat(throttle.rate()).as("released as the migration ends, fails or is aborted").isZero();
    second(12 * MIB, 8 * MIB, 16 * MIB, volume(true), List.of(resync(0)));
    assertThat(throttle.rate()).as("a tick after the close changes nothing").isZero();
    ballooning.close();
    assertThat(forgotten).as("closing twice forgets it once").containsExactly(ballooning);
  }

  @Test
  void closingLeavesTheThrottleToACatchUpThatHoldsIt() {
    second(0, 0, 4 * MIB, volume(true), List.of());
    second(12 * MIB, 8 * MIB, 8 * MIB, volume(true), List.of(resync(0)));
    catchingUp.set(true);
    ballooning.close();
    assertThat(throttle.rate()).as("the catch-up goes on from the rate the copying left").isEqualTo(4 * MIB);
  }

  @Test
  void writesNeverHeldBackAreReportedSo() {
    second(0, 0, 0, volume(false), List.of());
    second(MIB, MIB, 0, volume(false), List.of());
    assertThat(throttle.rate()).isZero();
    assertThat(ballooning.outcome()).isEqualTo("writes not throttled while copying");
  }
}
