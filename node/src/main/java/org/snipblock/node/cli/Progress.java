package org.snipblock.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import org.snipblock.node.config.ByteSize;

/**
 * Progress of long work on stderr, so stdout keeps only the command's result: a bar redrawn in
 * place for a person at a terminal, a plain line now and then for a log file, and one JSON object
 * a line with --json for scripts. Each shows percentage, bytes, rate and time left; work counted in
 * steps rather than bytes ({@link #counting}) shows "done/total steps" and steps per second or minute.
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
  /** Null: the work is measured in bytes; else what {@code done} counts ("steps"). */
  private final String unit;
  private final long started;
  private long lastDraw;
  private boolean drawn;
  private boolean barOpen;
  private int barLength;

  public Progress(PrintWriter err, String label, boolean json) {
    this(err, label, Style.of(json), System::nanoTime, null, 0);
  }

  /**
   * Progress counted in {@code unit}s (a task's steps), for work that began {@code runningFor} before
   * this command started watching it: the rate and time left are over the whole run, not just the
   * part this command saw.
   */
  public static Progress counting(PrintWriter err, String label, boolean json, String unit, Duration runningFor) {
    return new Progress(err, label, Style.of(json), System::nanoTime, unit, Math.max(0, runningFor.toNanos()));
  }

  /**
   * @param clock nanoseconds, as {@link System#nanoTime()}
   * @param unit null for bytes
   * @param runningForNanos how long the work ran before this progress began
   */
  Progress(PrintWriter err, String label, Style style, LongSupplier clock, String unit, long runningForNanos) {
    this.err = err;
    this.label = label;
    this.style = style;
    this.clock = clock;
    this.unit = unit;
    this.started = clock.getAsLong() - runningForNanos;
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
        String bar = label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + pct + "% "
            + amount(done, total, bytes) + rateAndEta(elapsed, done, total, bytes) + "   ";
        err.print("\r" + bar);
        barOpen = true;
        barLength = bar.length();
      }
      case LINES -> err.println(label + ": " + pct + "% " + amount(done, total, bytes)
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
    double seconds = elapsedNanos / 1e9;
    if (unit == null) {
      line.put("bytes", bytes);
      if (seconds > 0 && bytes > 0) {
        line.put("bytesPerSecond", (long) (bytes / seconds));
      }
    } else if (seconds > 0 && done > 0) {
      line.put(unit + "PerSecond", Math.round(done / seconds * 1000) / 1000.0);
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

  private String amount(long done, long total, long bytes) {
    return unit == null ? ByteSize.format(bytes) : done + "/" + total + " " + unit;
  }

  /**
   * Empty until bytes have moved (or steps were done) over a measurable interval: a rate over
   * nothing says nothing. The time left needs progress made (the first chunks may move bytes before
   * covering any range).
   */
  private String rateAndEta(long elapsedNanos, long done, long total, long bytes) {
    long moved = unit == null ? bytes : done;
    if (elapsedNanos <= 0 || moved <= 0) {
      return "";
    }
    double seconds = elapsedNanos / 1e9;
    String rate = ", " + (unit == null ? ByteSize.format((long) (bytes / seconds)) + "/s" : countRate(done / seconds));
    if (done <= 0 || done >= total) {
      return rate;
    }
    long left = Math.round((total - done) * seconds / done);
    return rate + ", " + (left >= 3600 ? left / 3600 + " h " + left % 3600 / 60 + " min"
        : left >= 60 ? left / 60 + " min " + left % 60 + " s" : left + " s") + " left";
  }

  /** Steps take seconds to hours: per second when at least one a second, else per minute, or hour when rarer still. */
  private String countRate(double perSecond) {
    return perSecond >= 1 ? String.format(Locale.ROOT, "%.1f %s/s", perSecond, unit)
        : perSecond * 60 >= 0.1 ? String.format(Locale.ROOT, "%.1f %s/min", perSecond * 60, unit)
        : String.format(Locale.ROOT, "%.1f %s/h", perSecond * 3600, unit);
  }

  /**
   * Wipes the bar off its line so that other output (a step's news on stdout, same terminal) gets
   * a clean line; the next {@link #update} draws the bar again below it at once.
   */
  public void clear() {
    if (barOpen) {
      err.print("\r" + " ".repeat(barLength) + "\r");
      err.flush();
      barOpen = false;
      drawn = false;
    }
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
