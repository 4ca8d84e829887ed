package org.snipblock.store.qos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QosGroupsTest {
  private final List<QosSetting> all = new ArrayList<>();

  private QosSetting set(String volume, String limits, String group) {
    QosSetting current = all.stream().filter(s -> s.volume().equals(volume)).findFirst().orElse(QosSetting.none(volume));
    QosSetting changed = QosGroups.change(current, limits == null ? null : QosLimits.parse(limits), group, all);
    all.remove(current);
    all.add(changed);
    return changed;
  }

  @Test
  void withoutAGroupEachVolumeSpendsItsOwnBudget() {
    set("a", "iops-total=100", null);
    set("b", "bps-write=1M", null);
    assertThat(QosGroups.budgets(all)).isEqualTo(Map.of("volume:a", QosLimits.parse("iops-total=100"),
        "volume:b", QosLimits.parse("bps-write=1M")));
  }

  @Test
  void aGroupHasOneBudgetWithTheLimitsSetLastOnAnyMember() {
    set("a", "iops-total=100", "vm1");
    QosSetting b = set("b", null, "vm1");
    assertThat(b.limits()).as("joined without limits: takes the group's").isEqualTo(QosLimits.parse("iops-total=100"));
    assertThat(QosGroups.budgets(all)).isEqualTo(Map.of("group:vm1", QosLimits.parse("iops-total=100")));
    set("b", "iops-total=300", null);
    assertThat(QosGroups.budgets(all)).isEqualTo(Map.of("group:vm1", QosLimits.parse("iops-total=300")));
    // A volume that joins with limits of its own sets the group's.
    set("c", "iops-total=50", "vm1");
    assertThat(QosGroups.budgets(all).get("group:vm1")).isEqualTo(QosLimits.parse("iops-total=50"));
  }

  @Test
  void leavingKeepsTheGroupsLimitsAsItsOwnAndTheGroupGoesOn() {
    set("a", "iops-total=100", "vm1");
    set("b", null, "vm1");
    set("b", null, "none");
    assertThat(QosGroups.budgets(all)).isEqualTo(Map.of("group:vm1", QosLimits.parse("iops-total=100"),
        "volume:b", QosLimits.parse("iops-total=100")));
  }

  @Test
  void theFirstMemberWithoutLimitsMakesAnUnlimitedGroup() {
    set("a", null, "vm1");
    assertThat(QosGroups.budgets(all)).isEqualTo(Map.of("group:vm1", QosLimits.none()));
  }

  @Test
  void badGroupNamesAreRefusedWithOneLine() {
    for (String bad : List.of("VM1", "-x", "a b", "x".repeat(65), "é")) {
      assertThatThrownBy(() -> set("a", null, bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("invalid --qos-group '" + bad + "'");
    }
    assertThat(all).isEmpty();
  }
}
