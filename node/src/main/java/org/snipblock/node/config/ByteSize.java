package org.snipblock.node.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as operators write them: plain bytes or a number with a binary unit (10G, 512M, 1T). */
public final class ByteSize {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(?:([KMGTP])(?:I?B)?|B)?", Pattern.CASE_INSENSITIVE);
  private static final String UNITS = "KMGTP";

  private ByteSize() {}

  /**
   * Parses a size; units are powers of 1024 (K, M, G, T, P, optionally spelled KiB, MB...).
   *
   * @throws IllegalArgumentException with a message fit for the operator
   */
  public static long parse(String text) {
    String t = text == null ? "" : text.trim();
    Matcher m = SIZE.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid size '" + text + "': expected bytes or a number with K, M, G, T or P (e.g. 10G, 512M)");
    }
    long shift = m.group(2) == null ? 0 : 10L * (UNITS.indexOf(m.group(2).toUpperCase(Locale.ROOT)) + 1);
    long value;
    try {
      value = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid size '" + text + "': too large");
    }
    if (value > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("invalid size '" + text + "': too large");
    }
    return value << shift;
  }

  /** A short human form: exact when the size is a whole number of units ("10 GiB"), else "1.5 GiB". */
  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    int unit = Math.min(UNITS.length(), (63 - Long.numberOfLeadingZeros(bytes)) / 10);
    long scale = 1L << (10 * unit);
    String suffix = " " + UNITS.charAt(unit - 1) + "iB";
    if (bytes % scale == 0) {
      return (bytes / scale) + suffix;
    }
    return String.format(Locale.ROOT, "%.1f%s", (double) bytes / scale, suffix);
  }
}
