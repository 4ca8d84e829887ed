package org.snipblock.node.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TenantLimitsTest {
  @Test
  void parsesSizesAndCountsIntoOneCanonicalText() {
    TenantLimits l = TenantLimits.parse("max-volumes=3, max-bytes=10G,max-iops=1000,max-bps=100M");
    assertThat(l).isEqualTo(new TenantLimits(3, 10L << 30, 1000, 100L << 20));
    assertThat(l.text()).isEqualTo("max-volumes=3,max-bytes=10737418240,max-iops=1000,max-bps=104857600");
    assertThat(TenantLimits.parse(l.text())).isEqualTo(l);
    assertThat(TenantLimits.parse("").text()).isEqualTo("none");
    assertThat(TenantLimits.parse("none")).isEqualTo(TenantLimits.NONE);
  }

  @Test
  void aChangeTouchesOnlyTheNamedLimitsAndZeroOrNoneLiftsOne() {
    TenantLimits l = TenantLimits.parse("max-volumes=3,max-iops=100");
    assertThat(l.with("max-iops=0")).isEqualTo(new TenantLimits(3, 0, 0, 0));
    assertThat(l.with("max-volumes=none,max-bytes=1T")).isEqualTo(new TenantLimits(0, 1L << 40, 100, 0));
    assertThat(l.with("")).isEqualTo(l);
  }

  @Test
  void malformedLimitsAreRefusedWithOneLineNamingTheEntry() {
    for (List<String> bad : List.of(
        List.of("max-volume=3", "unknown tenant limit 'max-volume'"),
        List.of("max-volumes", "invalid tenant limit 'max-volumes'"),
        List.of("=3", "invalid tenant limit '=3'"),
        List.of("max-volumes=", "invalid max-volumes ''"),
        List.of("max-volumes=-1", "invalid max-volumes '-1'"),
        List.of("max-volumes=1.5", "invalid max-volumes '1.5'"),
        List.of("max-iops=9999999999999999", "invalid max-iops"),
        List.of("max-bytes=5X", "invalid max-bytes '5X'"),
        List.of("max-bps=-1M", "invalid max-bps '-1M'"),
        List.of("max-volumes=1,,max-iops=2", "invalid tenant limit ''"),
        List.of("max-volumes=1,", "invalid tenant limit ''"))) {
      assertThatThrownBy(() -> TenantLimits.parse(bad.get(0))).as(bad.get(0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad.get(1))
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }

  @Test
  void tenantNamesAreShortLowerCaseAndSafe() {
    assertThat(TenantName.check("acme-2.eu_1")).isEqualTo("acme-2.eu_1");
    for (String bad : new String[] {"", "Acme", "-acme", "a b", "a/b", "ä", "x".repeat(64), null}) {
      assertThatThrownBy(() -> TenantName.check(bad)).as(String.valueOf(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid tenant name");
    }
  }
}
