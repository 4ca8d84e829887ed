package org.snipblock.node.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Placement stripe indexes as an operator lists them: {@code 0-3,7,12-15}, each range inclusive.
 * Only the syntax is checked here; whether the volume has those stripes only its node knows, and
 * ranges travel unexpanded so a typo like 0-4000000000 costs nothing before the node refuses it.
 */
record StripeRanges(List<Range> ranges) {
  private static final Pattern RANGE = Pattern.compile("(\\d{1,18})(?:-(\\d{1,18}))?");

  /** Stripes {@code first} to {@code last}, both included. */
  record Range(long first, long last) {}

  StripeRanges {
    ranges = List.copyOf(ranges);
  }

  /** @throws IllegalArgumentException naming the bad part and showing a good value */
  static StripeRanges parse(String text) {
    String hint = ": expected stripe indexes like 0-3,7";
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("invalid stripes ''" + hint);
    }
    List<Range> ranges = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      Matcher m = RANGE.matcher(part.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException("invalid stripes '" + text + "' at '" + part + "'" + hint);
      }
      long first = Long.parseLong(m.group(1));
      long last = m.group(2) == null ? first : Long.parseLong(m.group(2));
      if (last < first) {
        throw new IllegalArgumentException("invalid stripes '" + text + "': range " + part + " runs backwards");
      }
      ranges.add(new Range(first, last));
    }
    return new StripeRanges(ranges);
  }

  /** The picocli converter for {@code --stripes}. */
  static final class Converter implements ITypeConverter<StripeRanges> {
    @Override
    public StripeRanges convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
