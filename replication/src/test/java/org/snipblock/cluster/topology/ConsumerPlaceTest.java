package org.snipblock.cluster.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConsumerPlaceTest {
  @Test
  void parsesASiteOrAFinerPlace() {
    assertThat(ConsumerPlace.parse("b").parts()).containsExactly("b");
    assertThat(ConsumerPlace.parse("b/c1/r2/h3").toString()).isEqualTo("b/c1/r2/h3");
  }

  @Test
  void refusesMalformedPlaces() {
    assertThatThrownBy(() -> ConsumerPlace.parse("")).hasMessageContaining("consumer missing");
    assertThatThrownBy(() -> ConsumerPlace.parse(null)).hasMessageContaining("consumer missing");
    assertThatThrownBy(() -> ConsumerPlace.parse("a/b/c/d/e")).hasMessageContaining("has 5 parts");
    assertThatThrownBy(() -> ConsumerPlace.parse("a/")).hasMessageContaining("bad compartment name ''");
    assertThatThrownBy(() -> ConsumerPlace.parse("-a")).hasMessageContaining("bad site name '-a'");
    assertThatThrownBy(() -> ConsumerPlace.parse("a/b/c/h st")).hasMessageContaining("bad host name 'h st'");
  }

  @Test
  void distanceCountsTheLevelsThatDiffer() {
    ConsumerPlace host = ConsumerPlace.parse("b/c1/r1/h1");
    assertThat(host.distance(Location.parse("b/c1/r1/h1"))).isZero();
    assertThat(host.distance(Location.parse("b/c1/r1/h2"))).isEqualTo(1);
    assertThat(host.distance(Location.parse("b/c1/r2/h1"))).isEqualTo(2);
    assertThat(host.distance(Location.parse("b/c2/r1/h1"))).isEqualTo(3);
    assertThat(host.distance(Location.parse("a/c1/r1/h1"))).isEqualTo(4);
    ConsumerPlace site = ConsumerPlace.parse("b");
    assertThat(site.distance(Location.parse("b/c9/r9/h9"))).as("any place in the site is as near").isZero();
    assertThat(site.distance(Location.parse("a/c1/r1/h1"))).isEqualTo(4);
  }
}
