package org.snipblock.node.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Time spans as operators write them in the config file: 500ms, 30s, 5m, 1h. */
public final class DurationText {
  private static final Pattern SPAN = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h)", Pattern.CASE_INSENSITIVE);

  private DurationText() {}

  /**
   * Parses a span; a unit is required (a bare number would be ambiguous between seconds and
   * milliseconds), except for 0.
   *
   * @throws IllegalArgumentException with a message fit for the operator
   */
  public static Duration parse(String text) {
    String t = text == null ? "" : text.trim();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = SPAN.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid duration '" + text + "': expected a number with ms, s, m or h (e.g. 500ms, 30s, 5m)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
