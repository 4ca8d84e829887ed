package org.snipblock.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.snipblock.node.config.ByteSize;

/**
 * Progress of long work on stderr, so stdout keeps only the command's result: a bar redrawn in
 * place for a person at a terminal, a plain line now and then for a log file, and one JSON object
 * a line with --json for scripts. Each shows percentage, bytes, rate and time left.
 */
public final class Progress {
  /** How progress is written: chosen once per command from --json and whether stdout is a terminal. */
  public enum Style {
    BAR(250_000_000L),
    LINES(5_000_000_000L),
    JSON(1_000_000_000L);

    /** A bar may redraw often; lines and JSON go to files and pipes, where fewer say as much. */
    final long intervalNanos;

    Style(long intervalNanos) {
      this.intervalNanos = intervalNanos;
    }

    public static Style of(boolean json) {
      return json ? JSON : System.console() != null ? BAR : LINES;
    }
  }

  private static final int WIDTH = 30;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final PrintWriter err;
  private final String label;
  private final Style style;
  private final LongSupplier clock;
  private final long started;
  private long lastDraw;
  private boolean drawn;
  private boolean barOpen;

  public Progress(PrintWriter err, String label, boolean json) {
    this(err, label, Style.of(json), System::nanoTime);
  }

  /** @param clock nanoseconds, as {@link System#nanoTime()} */
  Progress(PrintWriter err, String label, Style style, LongSupplier clock) {
    this.err = err;
    this.label = label;
    this.style = style;
    this.clock = clock;
    this.started = clock.getAsLong();
  }

  /** @param done of {@code total}, for the percentage and time left; {@code bytes} as shown next to it */
  public void update(long done, long total, long bytes) {
    long now = clock.getAsLong();
    if (drawn && now - lastDraw < style.intervalNanos && done < total) {
      return;
    }
    lastDraw = now;
    drawn = true;
    int pct = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
    long elapsed = now - started;
    switch (style) {
      case BAR -> {
        int filled = pct * WIDTH / 100;
        err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + pct + "% "
            + ByteSize.format(bytes) + rateAndEta(elapsed, done, total, bytes) + "   ");
        barOpen = true;
      }
      case LINES -> err.println(label + ": " + pct + "% " + ByteSize.format(bytes)
          + rateAndEta(elapsed, done, total, bytes));
      case JSON -> err.println(json(pct, done, total, bytes, elapsed));
    }
    err.flush();
  }

  private String json(int pct, long done, long total, long bytes, long elapsedNanos) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("progress", label);
    line.put("percent", pct);
    line.put("done", done);
    line.put("total", total);
    line.put("bytes", bytes);
    double seconds = elapsedNanos / 1e9;
    if (seconds > 0 && bytes > 0) {
      line.put("bytesPerSecond", (long) (bytes / seconds));
    }
    if (seconds > 0 && done > 0 && done < total) {
      line.put("secondsLeft", Math.round((total - done) * seconds / done));
    }
    try {
      return MAPPER.writeValueAsString(line);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a progress line", e);
    }
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

  /** Ends the bar's line, so what follows starts on a line of its own. */
  public void finish() {
    if (barOpen) {
      err.println();
      err.flush();
      barOpen = false;
    }
  }
}
