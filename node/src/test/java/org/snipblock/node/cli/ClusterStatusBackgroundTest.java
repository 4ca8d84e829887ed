package org.snipblock.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.node.admin.BackgroundMessages;
import org.snipblock.node.admin.v1.BackgroundState;
import org.snipblock.store.qos.BackgroundBudget;

/** How each node's background budget reads in {@code cluster status}: one line per node that reported it. */
class ClusterStatusBackgroundTest {
  @Test
  void eachReportedBudgetReadsAsInNodeStatus() {
    BackgroundState busy = BackgroundMessages.of(new BackgroundBudget.State(12L << 20, 10L << 20, 100L << 20, true,
        true, 1, 5L << 30));
    BackgroundState idle = BackgroundMessages.of(new BackgroundBudget.State(100L << 20, 10L << 20, 100L << 20, false,
        false, 0, 3L << 20));
    List<ClusterCommand.Status.NodeView> nodes = List.of(node("n1", StatusCommand.Background.of(busy)),
        node("n2", null), node("n3", StatusCommand.Background.of(idle)));

    assertThat(ClusterCommand.Status.background(nodes)).containsExactly(
        "  n1               12 MiB/s now (floor 10 MiB/s, max 100 MiB/s), clients busy, 1 piece waiting, "
            + "5 GiB granted since start",
        "  n3               idle (floor 10 MiB/s, max 100 MiB/s), 3 MiB granted since start");
    assertThat(ClusterCommand.Status.background(List.of(node("n2", null)))).as("no node reported yet").isEmpty();
  }

  private static ClusterCommand.Status.NodeView node(String id, StatusCommand.Background background) {
    return new ClusterCommand.Status.NodeView(id, "a/b/c/d", "UP", 1L << 30, 0, 0, "h:1", "h:2", 0, 0, 0, 0, 0, 0,
        background);
  }
}
