package org.snipblock.cluster.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocationTest {

  @Test
  void parsesFourPartsAndNamesDomains() {
    Location l = Location.parse("eu1/fc2/r07/node-3.lan");
    assertThat(l.site()).isEqualTo("eu1");
    assertThat(l.domain(FailureDomain.SITE)).isEqualTo("eu1");
    assertThat(l.domain(FailureDomain.COMPARTMENT)).isEqualTo("eu1/fc2");
    assertThat(l.domain(FailureDomain.RACK)).isEqualTo("eu1/fc2/r07");
    assertThat(l.domain(FailureDomain.HOST)).isEqualTo("eu1/fc2/r07/node-3.lan");
    assertThat(Location.parse(l.toString())).isEqualTo(l);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "a/b/c", "a/b/c/d/e", "a//c/d", "a/b/c/", "/b/c/d", "a/b c/d/e",
      "a/b/c/-d", "a/b/c/d\n", "ä/b/c/d"})
  void refusesMalformedLocations(String text) {
    assertThatThrownBy(() -> Location.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("location");
  }

  @Test
  void refusesNull() {
    assertThatThrownBy(() -> Location.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void distanceGrowsWithTheDomainThatDiffers() {
    Location a = Location.parse("s/c/r/h");
    assertThat(a.distance(Location.parse("s/c/r/h"))).isZero();
    assertThat(a.distance(Location.parse("s/c/r/h2"))).isEqualTo(1);
    assertThat(a.distance(Location.parse("s/c/r2/h"))).isEqualTo(2);
    assertThat(a.distance(Location.parse("s/c2/r/h"))).isEqualTo(3);
    assertThat(a.distance(Location.parse("s2/c/r/h"))).isEqualTo(4);
  }

  @Test
  void spreadLevelsParse() {
    assertThat(FailureDomain.parse("Compartment")).isEqualTo(FailureDomain.COMPARTMENT);
    assertThatThrownBy(() -> FailureDomain.parse("building"))
        .hasMessageContaining("host|rack|compartment|site");
    assertThatThrownBy(() -> FailureDomain.parse("")).isInstanceOf(IllegalArgumentException.class);
  }
}
