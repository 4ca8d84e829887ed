package org.snipblock.node.cli;

import java.io.PrintWriter;
import java.util.function.LongSupplier;
import org.snipblock.node.config.ByteSize;

/**
 * A one-line progress bar on stderr: percentage, bytes, rate and time left, redrawn in place at
 * most four times a second. Shown only to a person at a terminal, never with --json (scripts read
 * stdout and stderr).
 */
final class Progress {
  private static final long REDRAW_NANOS = 250_000_000L;
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final String label;
  private final boolean shown;
  private final LongSupplier clock;
  private final long started;
  private long lastDraw;
  private boolean drawn;

  Progress(PrintWriter err, String label, boolean json) {
    this(err, label, !json && System.console() != null, System::nanoTime);
  }

  /** @param clock nanoseconds, as {@link System#nanoTime()} */
  Progress(PrintWriter err, String label, boolean shown, LongSupplier clock) {
    this.err = err;
    this.label = label;
    this.shown = shown;
    this.clock = clock;
    this.started = clock.getAsLong();
  }

  /** @param done of {@code total}, for the percentage and time left; {@code bytes} as shown next to it */
  void update(long done, long total, long bytes) {
    long now = clock.getAsLong();
    if (!shown || (drawn && now - lastDraw < REDRAW_NANOS && done < total)) {
      return;
    }
    lastDraw = now;
    drawn = true;
    int pct = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
    int filled = pct * WIDTH / 100;
    err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + pct + "% "
        + ByteSize.format(bytes) + rateAndEta(now - started, done, total, bytes) + "   ");
    err.flush();
  }

  /**
   * Empty until bytes have moved over a measurable interval: a rate over nothing says nothing. The
   * time left needs progress made (the first chunks may move bytes before covering any range).
   */
  private static String rateAndEta(long elapsedNanos, long done, long total, long bytes) {
    if (elapsedNanos <= 0 || bytes <= 0) {
      return "";
    }
    double seconds = elapsedNanos / 1e9;
    String rate = ", " + ByteSize.format((long) (bytes / seconds)) + "/s";
    if (done <= 0 || done >= total) {
      return rate;
    }
    long left = Math.round((total - done) * seconds / done);
    return rate + ", " + (left >= 3600 ? left / 3600 + " h " + left % 3600 / 60 + " min"
        : left >= 60 ? left / 60 + " min " + left % 60 + " s" : left + " s") + " left";
  }

  void finish() {
    if (drawn) {
      err.println();
      err.flush();
    }
  }
}
