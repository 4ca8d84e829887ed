package org.snipblock.iscsi.pdu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextKeysTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void parsesPairsKeepingOrderAndEmptyValues() {
    assertThat(TextKeys.parse(b("A=1\0B=\0C=x=y\0\0"))).containsExactly(Map.entry("A", "1"),
        Map.entry("B", ""), Map.entry("C", "x=y"));
    assertThat(TextKeys.encode(List.of(Map.entry("K", "V")))).isEqualTo(b("K=V\0"));
  }

  @Test
  void rejectsMalformedText() {
    assertThatThrownBy(() -> TextKeys.parse(b("NoEquals\0"))).isInstanceOf(
        IllegalArgumentException.class);
    assertThatThrownBy(() -> TextKeys.parse(b("=value\0"))).isInstanceOf(
        IllegalArgumentException.class);
    assertThatThrownBy(() -> TextKeys.parse(b("K".repeat(64) + "=1\0"))).isInstanceOf(
        IllegalArgumentException.class);
  }
}
