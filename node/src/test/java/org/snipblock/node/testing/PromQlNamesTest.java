package org.snipblock.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlNamesTest {
  @Test
  void findsTheMetricsAndNothingElse() {
    assertThat(PromQlNames.of("histogram_quantile(0.99, sum by (le, op) "
        + "(rate(snipblock_volume_io_seconds_bucket{instance=~\"$instance\",volume=~\"a|b\"}[5m])))"))
        .containsExactly("snipblock_volume_io_seconds_bucket");
    assertThat(PromQlNames.of("max by (node) (a_used) / max by (node) (b_capacity) > 0.9 and on(node) up == 1"))
        .containsExactly("a_used", "b_capacity", "up");
    assertThat(PromQlNames.of("label_values(snipblock_volume_info, volume)")).containsExactly("snipblock_volume_info");
    assertThat(PromQlNames.of("rate(x_total[1m]) offset 5m * 1e3")).containsExactly("x_total");
    assertThat(PromQlNames.of("sum(")).isEmpty();
  }
}
