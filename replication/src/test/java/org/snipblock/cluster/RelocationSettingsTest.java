package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.RelocationSettings.MoveMode;

/** Out-of-range relocation settings are refused with one line naming the setting. */
class RelocationSettingsTest {
  @Test
  void badValuesAreRefusedNamingTheSetting() {
    assertThatThrownBy(() -> new RelocationSettings(100, 0, Duration.ZERO, MoveMode.AUTO, 10))
        .hasMessage("capacity threshold must be 1..99 percent (0 = never relocate), not 100");
    assertThatThrownBy(() -> new RelocationSettings(0, -1, Duration.ZERO, MoveMode.AUTO, 10))
        .hasMessage("IOPS threshold must be a positive number of operations per second (0 = never relocate), not -1");
    assertThatThrownBy(() -> new RelocationSettings(0, 0, Duration.ofSeconds(61), MoveMode.AUTO, 10))
        .hasMessage("latency p99 threshold must be above 0 and at most 60s (0 = never relocate), not 61000ms");
    assertThatThrownBy(() -> new RelocationSettings(0, 0, Duration.ofMillis(-1), MoveMode.AUTO, 10))
        .hasMessageStartingWith("latency p99 threshold must be above 0");
    assertThatThrownBy(() -> new RelocationSettings(0, 0, Duration.ZERO, MoveMode.AUTO, 100.5))
        .hasMessage("rebalance margin must be 0..100 percentage points of capacity (0 = only cluster rebalance), "
            + "not 100.5");
    assertThatThrownBy(() -> new RelocationSettings(0, 0, Duration.ZERO, MoveMode.AUTO, Double.NaN))
        .hasMessageStartingWith("rebalance margin must be 0..100");
    assertThatThrownBy(() -> MoveMode.parse("fast")).hasMessage("invalid move mode 'fast': expected auto, sync or async");
    assertThat(MoveMode.parse(" Async ")).isEqualTo(MoveMode.ASYNC);
    assertThat(RelocationSettings.defaults()).isEqualTo(new RelocationSettings(0, 0, Duration.ZERO, MoveMode.AUTO,
        RelocationSettings.DEFAULT_REBALANCE_MARGIN));
  }
}
