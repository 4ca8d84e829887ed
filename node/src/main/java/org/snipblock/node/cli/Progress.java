package org.snipblock.node.cli;

import java.io.PrintWriter;
import org.snipblock.node.config.ByteSize;

/**
 * A one-line progress bar on stderr: percentage and bytes, redrawn in place at most four times a
 * second. Shown only to a person at a terminal, never with --json (scripts read stdout and stderr).
 */
final class Progress {
  private static final long REDRAW_NANOS = 250_000_000L;
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final String label;
  private final boolean shown;
  private long lastDraw;
  private boolean drawn;

  Progress(PrintWriter err, String label, boolean json) {
    this.err = err;
    this.label = label;
    this.shown = !json && System.console() != null;
  }

  /** @param done of {@code total}, for the percentage; {@code bytes} as shown next to it */
  void update(long done, long total, long bytes) {
    long now = System.nanoTime();
    if (!shown || (drawn && now - lastDraw < REDRAW_NANOS && done < total)) {
      return;
    }
    lastDraw = now;
    drawn = true;
    int pct = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
    int filled = pct * WIDTH / 100;
    err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + pct + "% "
        + ByteSize.format(bytes) + "   ");
    err.flush();
  }

  void finish() {
    if (drawn) {
      err.println();
      err.flush();
    }
  }
}
