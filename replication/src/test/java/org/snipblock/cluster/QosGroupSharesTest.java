package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.QosGroupShares.Demand;

class QosGroupSharesTest {
  private static final double BUDGET = 200;

  private static double share(String self, Map<String, Demand> demand) {
    return QosGroupShares.fraction(self, demand, BUDGET);
  }

  @Test
  void oneServingNodeKeepsTheWholeBudget() {
    assertThat(share("a", Map.of("a", new Demand(50, true)))).isEqualTo(1);
    assertThat(share("c", Map.of("a", new Demand(50, true), "b", new Demand(1, false)))).isEqualTo(1);
  }

  @Test
  void nodesThatWaitSplitWhatTheOthersDoNotUse() {
    Map<String, Demand> both = Map.of("a", new Demand(100, true), "b", new Demand(100, true));
    assertThat(share("a", both)).isEqualTo(0.5);
    Map<String, Demand> idle = Map.of("a", new Demand(0, false), "b", new Demand(100, true));
    assertThat(share("a", idle)).as("the idle node keeps its floor").isEqualTo(QosGroupShares.FLOOR);
    assertThat(share("b", idle)).isEqualTo(1 - QosGroupShares.FLOOR);
    Map<String, Demand> light = Map.of("a", new Demand(40, false), "b", new Demand(150, true));
    assertThat(share("a", light)).as("what it used and headroom").isCloseTo(40 * 1.25 / BUDGET, within(1e-9));
    assertThat(share("b", light)).isCloseTo(1 - 40 * 1.25 / BUDGET, within(1e-9));
    Map<String, Demand> nobodyWaits = Map.of("a", new Demand(30, false), "b", new Demand(10, false));
    assertThat(share("a", nobodyWaits)).isCloseTo(0.75, within(1e-9));
  }

  @Test
  void theSharesOfAllServingNodesAddUpToTheBudget() {
    Random random = new Random(16);
    for (int round = 0; round < 2000; round++) {
      int n = 2 + random.nextInt(6);
      Map<String, Demand> demand = new HashMap<>();
      for (int i = 0; i < n; i++) {
        demand.put("n" + i, new Demand(random.nextInt(4) == 0 ? 0 : random.nextDouble() * BUDGET * 1.5,
            random.nextBoolean()));
      }
      double sum = 0;
      for (String node : demand.keySet()) {
        double f = share(node, demand);
        assertThat(f).as("%s in %s", node, demand).isBetween(0.0, 1.0);
        sum += f;
      }
      assertThat(sum).as("%s", demand).isCloseTo(1.0, within(1e-9));
    }
  }
}
