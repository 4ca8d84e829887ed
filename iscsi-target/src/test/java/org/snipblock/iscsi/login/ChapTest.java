package org.snipblock.iscsi.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChapTest {
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
