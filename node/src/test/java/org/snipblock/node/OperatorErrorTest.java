package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OperatorErrorTest {
  @Test
  void whatTheOperatorGaveIsQuotedOnOneLine() {
    assertThat(new OperatorError("expected a whole number, got '7070\n- {name'").getMessage())
        .isEqualTo("expected a whole number, got '7070\\n- {name'");
    assertThat(new OperatorError("bad name 'a\tb\u0000c\r'").getMessage()).isEqualTo("bad name 'a\\tb\\u0000c\\r'");
    assertThat(new OperatorError("plain, ünïcode kept").getMessage()).isEqualTo("plain, ünïcode kept");
  }
}
