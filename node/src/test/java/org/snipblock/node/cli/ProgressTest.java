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
    Progress p = new Progress(new PrintWriter(out), "export vm1@s1", true, now::get);

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
    Progress p = new Progress(new PrintWriter(out), "export v@s", true, now::get);
    now.addAndGet(SECOND);
    p.update(0, 100 * MIB, 2 * MIB);
    assertThat(out.toString()).endsWith("] 0% 2 MiB, 2 MiB/s   ");
  }

  @Test
  void nothingIsShownToAScriptOrWithJson() {
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out), "import vm1", true);
    p.update(1, 2, 1);
    p.finish();
    assertThat(out.toString()).as("--json: never").isEmpty();
    Progress hidden = new Progress(new PrintWriter(out), "import vm1", false, System::nanoTime);
    hidden.update(1, 2, 1);
    hidden.finish();
    assertThat(out.toString()).isEmpty();
  }
}
