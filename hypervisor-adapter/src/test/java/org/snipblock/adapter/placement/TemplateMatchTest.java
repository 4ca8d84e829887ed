package org.snipblock.adapter.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.adapter.model.TemplateRecord;
import org.snipblock.node.OperatorError;

class TemplateMatchTest {
  private static final long G = 1L << 30;

  private static TemplateRecord template(String name, String os, long minDisk) {
    return new TemplateRecord(name, "template-" + name, "template", os, minDisk, minDisk, null, null, null);
  }

  private final List<TemplateRecord> library = List.of(template("deb-min", "debian", 2 * G),
      template("deb-full", "debian", 8 * G), template("deb-huge", "debian", 40 * G), template("alp", "alpine", G),
      template("deb-full2", "Debian", 8 * G));

  @Test
  void takesTheFullestTemplateOfTheOsThatFits() {
    assertThat(TemplateMatch.best(library, "debian", 20 * G).name()).isEqualTo("deb-full");
    assertThat(TemplateMatch.best(library, "DEBIAN", 4 * G).name()).isEqualTo("deb-min");
    assertThat(TemplateMatch.best(library, "alpine", 100 * G).name()).isEqualTo("alp");
  }

  @Test
  void saysWhatIsMissingInOneLine() {
    assertThatThrownBy(() -> TemplateMatch.best(library, "debian", G)).isInstanceOf(OperatorError.class)
        .hasMessage("no debian template fits a 1 GiB disk: the smallest, deb-min, needs 2 GiB");
    assertThatThrownBy(() -> TemplateMatch.best(library, "windows", 100 * G)).isInstanceOf(OperatorError.class)
        .hasMessage("no template for os windows (the library has: alpine, debian)");
    assertThatThrownBy(() -> TemplateMatch.best(List.of(), "debian", G)).hasMessage(
        "no template for os debian (the library is empty)");
  }
}
