package org.snipblock.node.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageRangeTest {
  @Test
  void datesAndZonedTimes() {
    assertThat(UsageRange.parse(null, null)).isEqualTo(new UsageRange(0, 0));
    assertThat(UsageRange.parse("2026-12-07", "2026-12-07T06:00:00+01:00")).isEqualTo(new UsageRange(
        Instant.parse("2026-12-07T00:00:00Z").getEpochSecond(), Instant.parse("2026-12-07T05:00:00Z").getEpochSecond()));
    assertThat(UsageRange.parse("2026-12-07T05:00Z", null).from()).isEqualTo(Instant.parse("2026-12-07T05:00:00Z")
        .getEpochSecond());
  }

  @Test
  void malformedRangesAreOneLine() {
    for (List<String> bad : List.of(
        List.of("yesterday", "", "invalid --from 'yesterday': a date (2026-12-07, UTC) or a time with its zone"),
        List.of("2026-12-07T05:00", "", "invalid --from '2026-12-07T05:00'"),
        List.of("2026-13-01", "", "invalid --from '2026-13-01'"),
        List.of("", "2026-12-07T25:00Z", "invalid --to '2026-12-07T25:00Z'"),
        List.of("1969-12-31", "", "invalid --from '1969-12-31': before 1970"),
        List.of("2026-12-08", "2026-12-07", "--from 2026-12-08 is not before --to 2026-12-07"),
        List.of("2026-12-07", "2026-12-07T00:00Z", "--from 2026-12-07 is not before --to 2026-12-07T00:00Z"))) {
      assertThatThrownBy(() -> UsageRange.parse(bad.get(0).isEmpty() ? null : bad.get(0),
          bad.get(1).isEmpty() ? null : bad.get(1))).as(bad.toString())
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(bad.get(2));
    }
  }
}
