package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.RelocationSettings.MoveMode;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.StoreIoLoad;
import org.snipblock.cluster.topology.Location;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;

/** Which threshold a node is over, which nodes may take a relocated copy, and the move's mode. */
class MoveModesAndThresholdsTest {
  private static final NodeRecord NODE = NodeRecord.newBuilder().setId("a").setCapacityBytes(1000).setUsedBytes(500)
      .build();
  private static final StoreIoLoad IDLE = StoreIoLoad.getDefaultInstance();
  private static final StoreIoLoad BUSY = StoreIoLoad.newBuilder().setIops(900).setLatencyP99Micros(30_000).build();

  @Test
  void eachThresholdCountsOnlyWhenSet() {
    assertThat(RelocationThresholds.over(NODE, 0, BUSY)).as("no thresholds").isNull();
    assertThat(RelocationThresholds.over(NODE.toBuilder().setCapacityThresholdPercent(50).build(), 0, IDLE)).isNull();
    assertThat(RelocationThresholds.over(NODE.toBuilder().setCapacityThresholdPercent(50).build(), 1, IDLE))
        .startsWith("capacity threshold (500 of 1000 bytes used, threshold 50%)");
    assertThat(RelocationThresholds.over(NODE.toBuilder().setIopsThreshold(1000).build(), 0, BUSY)).isNull();
    assertThat(RelocationThresholds.over(NODE.toBuilder().setIopsThreshold(500).build(), 0, BUSY))
        .isEqualTo("IOPS threshold (900 operations per second, threshold 500)");
    assertThat(RelocationThresholds.over(NODE.toBuilder().setLatencyP99ThresholdMicros(30_000).build(), 0, BUSY))
        .isNull();
    assertThat(RelocationThresholds.over(NODE.toBuilder().setLatencyP99ThresholdMicros(20_000).build(), 0, BUSY))
        .isEqualTo("latency threshold (p99 30000 µs, threshold 20000 µs)");
  }

  @Test
  void aNodeOverAThresholdTakesNoCopy() {
    NodeRecord busy = NODE.toBuilder().setId("b").setIopsThreshold(500).setStoreIo(BUSY).build();
    NodeRecord nearlyFull = NODE.toBuilder().setId("c").setCapacityThresholdPercent(50).build();
    List<NodeDescriptor> nodes = List.of(up("a"), up("b"), up("c"));
    assertThat(RelocationThresholds.targets(nodes, List.of(NODE, busy, nearlyFull), 0))
        .extracting(NodeDescriptor::state).containsExactly(NodeState.UP, NodeState.DRAINING, NodeState.UP);
    assertThat(RelocationThresholds.targets(nodes, List.of(NODE, busy, nearlyFull), 10))
        .as("a copy of 10 bytes would put c over").extracting(NodeDescriptor::state)
        .containsExactly(NodeState.UP, NodeState.DRAINING, NodeState.DRAINING);
  }

  @Test
  void theMoveModeFollowsTheRoundTripUnlessEnforced() {
    assertThat(MoveModes.choose(MoveMode.AUTO, 2.0, 5.0)).isEqualTo(MoveMode.SYNC);
    assertThat(MoveModes.choose(MoveMode.AUTO, 40.0, 5.0)).isEqualTo(MoveMode.ASYNC);
    assertThat(MoveModes.choose(MoveMode.AUTO, null, 5.0)).as("unmeasured").isEqualTo(MoveMode.SYNC);
    assertThat(MoveModes.choose(MoveMode.SYNC, 40.0, 5.0)).isEqualTo(MoveMode.SYNC);
    assertThat(MoveModes.choose(MoveMode.ASYNC, 2.0, 5.0)).isEqualTo(MoveMode.ASYNC);
  }

  private static NodeDescriptor up(String id) {
    return new NodeDescriptor(id, Location.parse("s/c" + id + "/r/h"), NodeState.UP, 1000, 500, 0);
  }
}
