package org.snipblock.adapter.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.snipblock.node.OperatorError;

class DiskSpecTest {
  @Test
  void readsASizeAndAnOptionalTemplate() {
    assertThat(DiskSpec.parse("20G:template=debian12")).isEqualTo(new DiskSpec(20L << 30, "debian12"));
    assertThat(DiskSpec.parse("100G")).isEqualTo(new DiskSpec(100L << 30, null));
    assertThat(DiskSpec.parse("20G:os=debian")).isEqualTo(new DiskSpec(20L << 30, null, "debian"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "G", "-1G", "0", "20G:", "20G:template=", "20G:image=x", "20Q", "20G:template", "20G:os=", "20G:os"})
  void refusesMalformedDisksInOneLine(String text) {
    assertThatThrownBy(() -> DiskSpec.parse(text)).isInstanceOf(OperatorError.class)
        .hasMessageStartingWith("bad --disk '" + text + "': ").hasMessageNotContaining("\n");
  }
}
