package org.snipblock.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizeTest {

  @ParameterizedTest
  @CsvSource({
      "4096, 4096", "4096B, 4096", "1K, 1024", "512M, 536870912", "10G, 10737418240", "10g, 10737418240",
      "1T, 1099511627776", "1TiB, 1099511627776", "2GB, 2147483648", "' 3M ', 3145728", "1P, 1125899906842624"})
  void parsesBytesAndBinaryUnits(String text, long bytes) {
    assertThat(ByteSize.parse(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "G", "-1G", "1.5G", "10X", "ten", "1 G B", "0x10", "99999999999999999999",
      "9000000P", "10GG"})
  void refusesMalformedSizesWithAClearMessage(String text) {
    assertThatThrownBy(() -> ByteSize.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid size '" + text + "'");
  }

  @ParameterizedTest
  @CsvSource({"0, 0 B", "1023, 1023 B", "1024, 1 KiB", "10737418240, 10 GiB", "1610612736, 1.5 GiB",
      "268435456, 256 MiB"})
  void formatsForPeople(long bytes, String text) {
    assertThat(ByteSize.format(bytes)).isEqualTo(text);
  }
}
