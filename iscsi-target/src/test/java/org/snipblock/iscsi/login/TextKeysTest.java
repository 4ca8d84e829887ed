package org.snipblock.iscsi.login;

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

  @Test
  void chapBinaryValuesInHexAndBase64() {
    assertThat(Chap.decode("0x0a0B")).containsExactly(0x0a, 0x0b);
    assertThat(Chap.decode("0xabc")).containsExactly(0x0a, 0xbc);
    assertThat(Chap.decode("0bAQID")).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> Chap.decode("1234")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Chap.decode("0xzz")).isInstanceOf(IllegalArgumentException.class);
    assertThat(Chap.choose("99,junk,6,5")).isEqualTo(Chap.Algorithm.SHA1);
    assertThat(Chap.choose("1,2")).isNull();
  }
}
