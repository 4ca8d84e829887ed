package org.snipblock.node.usage;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The span of {@code usage export --from T1 --to T2}: hours starting at or after T1 and before T2.
 * A time is a date (its midnight, UTC) or a date and time with its zone ({@code 2026-12-07T05:00Z},
 * {@code 2026-12-07T06:00:00+01:00}); a time without a zone is refused rather than guessed.
 *
 * @param from epoch seconds; 0: from the first hour
 * @param to   epoch seconds; 0: up to now
 */
public record UsageRange(long from, long to) {

  /** @throws IllegalArgumentException one line naming the option and what it takes */
  public static UsageRange parse(String from, String to) {
    long f = from == null ? 0 : time("--from", from);
    long t = to == null ? 0 : time("--to", to);
    if (t != 0 && f >= t) {
      throw new IllegalArgumentException("--from " + from + " is not before --to " + to);
    }
    return new UsageRange(f, t);
  }

  private static long time(String option, String text) {
    Instant at;
    try {
      at = text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant()
          : OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("invalid " + option + " '" + text + "': a date (2026-12-07, UTC) or a time "
          + "with its zone (2026-12-07T05:00Z)");
    }
    if (at.getEpochSecond() <= 0) {
      throw new IllegalArgumentException("invalid " + option + " '" + text + "': before 1970");
    }
    return at.getEpochSecond();
  }
}
