package org.snipblock.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MIB = 1 << 20;

  @Test
  void showsPercentBytesRateAndTimeLeftRedrawnInPlace() {
    AtomicLong now = new AtomicLong(5 * SECOND);
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out), "export vm1@s1", Progress.Style.BAR, now::get, null, 0);

    p.update(0, 100 * MIB, 0);
    assertThat(out.toString()).isEqualTo("\rexport vm1@s1 [" + " ".repeat(30) + "] 0% 0 B   ");

    now.addAndGet(2 * SECOND);
    p.update(25 * MIB, 100 * MIB, 20 * MIB);
    assertThat(out.toString()).endsWith("\rexport vm1@s1 [#######" + " ".repeat(23) + "] 25% 20 MiB, 10 MiB/s, 6 s left   ");

    now.addAndGet(SECOND / 10);
    p.update(30 * MIB, 100 * MIB, 24 * MIB);
    assertThat(out.toString()).as("not redrawn within a quarter second").endsWith("6 s left   ");

    now.addAndGet(200 * SECOND);
    p.update(50 * MIB, 100 * MIB, 40 * MIB);
    assertThat(out.toString()).endsWith(" 50% 40 MiB, 202.7 KiB/s, 3 min 22 s left   ");

    p.update(100 * MIB, 100 * MIB, 80 * MIB);
    assertThat(out.toString()).as("the last update always shows").endsWith(" 100% 80 MiB, 405.3 KiB/s   ");
    p.finish();
    assertThat(out.toString()).endsWith("\n").doesNotContain("\n\r");
  }

  @Test
  void bytesBeforeAnyRangeIsCoveredShowARateButNoTimeLeft() {
    AtomicLong now = new AtomicLong(0);
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out), "export v@s", Progress.Style.BAR, now::get, null, 0);
    now.addAndGet(SECOND);
    p.update(0, 100 * MIB, 2 * MIB);
    assertThat(out.toString()).endsWith("] 0% 2 MiB, 2 MiB/s   ");
  }

  @Test
  void aLogFileGetsAPlainLineEveryFewSecondsAndTheLast() {
    AtomicLong now = new AtomicLong(0);
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out), "import vm1", Progress.Style.LINES, now::get, null, 0);
    now.addAndGet(SECOND);
    p.update(10 * MIB, 100 * MIB, 10 * MIB);
    now.addAndGet(SECOND);
    p.update(20 * MIB, 100 * MIB, 20 * MIB);
    now.addAndGet(5 * SECOND);
    p.update(70 * MIB, 100 * MIB, 70 * MIB);
    p.update(100 * MIB, 100 * MIB, 100 * MIB);
    p.finish();
    assertThat(out.toString()).doesNotContain("\r").doesNotContain("[#").isEqualTo(
        "import vm1: 10% 10 MiB, 10 MiB/s, 9 s left\n"
        + "import vm1: 70% 70 MiB, 10 MiB/s, 3 s left\n"
        + "import vm1: 100% 100 MiB, 14.3 MiB/s\n");
  }

  @Test
  void withJsonEachLineIsOneObjectForScripts() {
    AtomicLong now = new AtomicLong(0);
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out), "export \"a\"@s", Progress.Style.JSON, now::get, null, 0);
    p.update(0, 4 * MIB, 0);
    now.addAndGet(2 * SECOND);
    p.update(MIB, 4 * MIB, MIB);
    p.update(4 * MIB, 4 * MIB, 4 * MIB);
    p.finish();
    assertThat(out.toString().split("\n")).containsExactly(
        "{\"progress\":\"export \\\"a\\\"@s\",\"percent\":0,\"done\":0,\"total\":4194304,\"bytes\":0}",
        "{\"progress\":\"export \\\"a\\\"@s\",\"percent\":25,\"done\":1048576,\"total\":4194304,"
            + "\"bytes\":1048576,\"bytesPerSecond\":524288,\"secondsLeft\":6}",
        "{\"progress\":\"export \\\"a\\\"@s\",\"percent\":100,\"done\":4194304,\"total\":4194304,"
            + "\"bytes\":4194304,\"bytesPerSecond\":2097152}");
  }

  @Test
  void stepsShowCountRateAndTimeLeftOverTheWholeRunNotJustTheWatchedPart() {
    AtomicLong now = new AtomicLong(1000 * SECOND);
    StringWriter out = new StringWriter();
    // the task ran for a minute before the command began to watch it
    Progress p = new Progress(new PrintWriter(out), "task t7 migrate web", Progress.Style.BAR, now::get, "steps",
        60 * SECOND);
    p.update(1, 3, 1);
    assertThat(out.toString()).isEqualTo("\rtask t7 migrate web [#########" + " ".repeat(21)
        + "] 33% 1/3 steps, 1.0 steps/min, 2 min 0 s left   ");
    now.addAndGet(30 * SECOND);
    p.update(3, 3, 3);
    assertThat(out.toString()).endsWith("] 100% 3/3 steps, 2.0 steps/min   ");
  }

  @Test
  void fastStepsAreCountedPerSecondAndSlowOnesPerHour() {
    AtomicLong now = new AtomicLong(0);
    StringWriter out = new StringWriter();
    Progress fast = new Progress(new PrintWriter(out), "t", Progress.Style.LINES, now::get, "steps", 2 * SECOND);
    fast.update(5, 10, 5);
    Progress slow = new Progress(new PrintWriter(out), "u", Progress.Style.LINES, now::get, "steps", 7200 * SECOND);
    slow.update(1, 2, 1);
    assertThat(out.toString()).isEqualTo("t: 50% 5/10 steps, 2.5 steps/s, 2 s left\n"
        + "u: 50% 1/2 steps, 0.5 steps/h, 2 h 0 min left\n");
  }

  @Test
  void stepsInJsonCarryTheirRateAndNoBytes() {
    AtomicLong now = new AtomicLong(0);
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out), "task t7", Progress.Style.JSON, now::get, "steps", 0);
    p.update(0, 4, 0);
    now.addAndGet(8 * SECOND);
    p.update(1, 4, 1);
    assertThat(out.toString().split("\n")).containsExactly(
        "{\"progress\":\"task t7\",\"percent\":0,\"done\":0,\"total\":4}",
        "{\"progress\":\"task t7\",\"percent\":25,\"done\":1,\"total\":4,\"stepsPerSecond\":0.125,"
            + "\"secondsLeft\":24}");
  }

  @Test
  void aClearedBarLeavesABlankLineAndIsDrawnAgainAtOnce() {
    AtomicLong now = new AtomicLong(0);
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out), "task t7", Progress.Style.BAR, now::get, "steps", 0);
    p.update(0, 2, 0);
    String bar = out.toString().substring(1);
    p.clear();
    assertThat(out.toString()).endsWith("\r" + " ".repeat(bar.length()) + "\r");
    p.clear();
    assertThat(out.toString()).as("nothing to clear twice").endsWith(bar + "\r" + " ".repeat(bar.length()) + "\r");
    p.update(0, 2, 0);
    assertThat(out.toString()).as("redrawn within the quarter second").endsWith("\r" + bar);
  }
}
