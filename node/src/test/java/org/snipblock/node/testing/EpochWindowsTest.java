package org.snipblock.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.snipblock.cluster.replica.AckWindow;

/** The epoch check of the fault schedule finds overlapping and doubled epochs, and accepts a clean succession. */
class EpochWindowsTest {
  /** A window line as a daemon logs it (the production format), behind a log pattern's prefix. */
  private static String line(String volume, long epoch, String node, long first, long last, long acks) {
    return "09:40:01.123 INFO  [grpc-default-executor-3] o.s.c.r.AckWindow - "
        + AckWindow.line(volume, 7, epoch, node, first, last, acks, "serving");
  }

  private static EpochWindows of(String... lines) {
    EpochWindows w = new EpochWindows();
    for (String l : lines) {
      w.read(l);
    }
    return w;
  }

  @Test
  void acceptsEpochsThatFollowEachOtherAndARestartAtTheSameEpoch() {
    EpochWindows w = of(
        line("v", 1, "n1", 100, 200, 5),
        "09:40:01.200 INFO  [main] o.s.c.Reconciler - volume v: this node is primary at epoch 2",
        line("v", 2, "n2", 300, 400, 3),
        // n2 killed and restarted, still primary at epoch 2: its windows add up.
        line("v", 2, "n2", 450, 500, 1),
        line("v", 3, "n1", 501, 900, 9),
        // Another volume's epochs are its own.
        line("w", 1, "n3", 150, 950, 9));
    assertThat(w.violations(10)).isEmpty();
    assertThat(w.of("v")).extracting(EpochWindows.Window::epoch).containsExactly(1L, 2L, 3L);
    assertThat(w.of("v").get(1)).extracting(EpochWindows.Window::first, EpochWindows.Window::last)
        .containsExactly(300L, 500L);
  }

  @Test
  void findsAnOlderEpochAcknowledgingAfterANewerOneBegan() {
    // n1 cut off at epoch 1 went on acknowledging after n2 began at epoch 2.
    EpochWindows w = of(line("v", 1, "n1", 100, 350, 5), line("v", 2, "n2", 300, 400, 3));
    assertThat(w.violations(10)).singleElement().asString()
        .contains("n1 at epoch 1 acknowledged a change admitted 50 us after n2 at epoch 2 began");
  }

  @Test
  void findsAnEpochGoingBack() {
    // n3 served epoch 1 after epoch 2 was over: a node acting on stale metadata.
    EpochWindows w = of(line("v", 2, "n2", 300, 400, 3), line("v", 1, "n3", 500, 600, 1));
    assertThat(w.violations(10)).singleElement().asString().contains("n3 at epoch 1 acknowledged");
  }

  @Test
  void findsOneEpochServedByTwoNodes() {
    EpochWindows w = of(line("v", 2, "n1", 100, 200, 1), line("v", 2, "n2", 300, 400, 1));
    assertThat(w.violations(10)).singleElement().asString().contains("epoch 2 served by both n1 and n2");
  }

  @Test
  void reportsAWindowLineThatDoesNotRead() {
    EpochWindows w = of(
        "x - " + AckWindow.PREFIX + " volume=v uid=7 epoch=two node=n1 first=1 last=2 acks=1",
        "x - " + AckWindow.PREFIX + " volume=v uid=7 epoch=1 node=n1 first=5 last=2 acks=1",
        "x - " + AckWindow.PREFIX + " volume=v uid=7 epoch=99999999999999999999 node=n1 first=1 last=2 acks=1",
        "x - " + AckWindow.PREFIX);
    assertThat(w.violations(10)).hasSize(4).allMatch(v -> v.startsWith("unreadable ack window line"));
    assertThat(w.of("v")).isEmpty();
    assertThat(w.violations(2)).hasSize(2);
  }
}
