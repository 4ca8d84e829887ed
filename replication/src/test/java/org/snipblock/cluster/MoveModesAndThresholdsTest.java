package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.RelocationSettings.MoveMode;
import org.snipblock.cluster.proto.CopyMoving;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.cluster.proto.StoreIoLoad;
import org.snipblock.cluster.topology.Location;
import org.snipblock.cluster.topology.NodeDescriptor;
import org.snipblock.cluster.topology.NodeState;

/** Which threshold a node is over, which nodes may take a relocated copy or a hot primary, and the move's mode. */
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

  /**
   * A node over an I/O threshold hands a primary to the calmest in-sync holder of every stripe that
   * stays calm and under its own IOPS threshold with the volume's share of the load; never to a warm,
   * draining, unreachable, stale or partial holder; a volume hotter than any taker may carry stays
   * (no passing it back and forth), as does one with a move under way.
   */
  @Test
  void aHotPrimaryGoesToACalmInSyncHolderThatStaysCalm() {
    StoreIoLoad hot = StoreIoLoad.newBuilder().setIops(1500).build();
    NodeRecord b = taker("b", 100);
    NodeRecord c = taker("c", 600);
    java.util.Set<String> all = java.util.Set.of("a", "b", "c", "d");
    VolumeRecord v = served("v", "a", "b", "c");
    VolumeRecord w = served("w", "a", "b", "c");
    assertThat(HotPrimaries.choose("a", hot, List.of(v, w), List.of(b, c), all))
        .contains(new HotPrimaries.Handover("v", "b"));
    assertThat(HotPrimaries.choose("a", hot, List.of(v), List.of(b, c), all))
        .as("v alone brings all 1500 IOPS: b would be over its 1000, then hand it back").isEmpty();
    assertThat(HotPrimaries.choose("a", hot, List.of(v, w), List.of(b.toBuilder().setIopsThreshold(0).build(), c),
        all)).as("a node without thresholds takes any load").contains(new HotPrimaries.Handover("v", "b"));
    assertThat(HotPrimaries.choose("a", hot, List.of(v, w), List.of(b, c, taker("d", 50)), all))
        .as("d holds no copy").contains(new HotPrimaries.Handover("v", "b"));
    NodeRecord calmer = taker("c", 40);
    assertThat(HotPrimaries.choose("a", hot, List.of(v, w), List.of(b, calmer), all))
        .as("the calmest wins").contains(new HotPrimaries.Handover("v", "c"));

    assertThat(HotPrimaries.choose("a", hot, List.of(v, w), List.of(b, c), java.util.Set.of("a", "c")))
        .as("b unreachable, c warm (600 of 1000)").isEmpty();
    assertThat(HotPrimaries.choose("a", hot, List.of(v, w), List.of(b.toBuilder().setDrainState("DRAINING").build(),
        c), all)).isEmpty();
    VolumeRecord staleOnB = v.toBuilder().setSnippets(1, v.getSnippets(1).toBuilder().addStale("b")).build();
    assertThat(HotPrimaries.choose("a", hot, List.of(staleOnB, w), List.of(b, c), all))
        .as("v stale on b: w goes").contains(new HotPrimaries.Handover("w", "b"));
    VolumeRecord partial = v.toBuilder().setSnippets(1, SnippetPlacement.newBuilder().addNodes("a").addNodes("c")
        .addNodes("d")).build();
    VolumeRecord moving = w.toBuilder().addMoving(CopyMoving.newBuilder().setSnippet(0).setFrom("c").setTo("d")).build();
    assertThat(HotPrimaries.choose("a", hot, List.of(partial, moving), List.of(b, c), all))
        .as("b lacks a stripe of v; w has a move under way").isEmpty();
    assertThat(HotPrimaries.choose("b", hot, List.of(v, w), List.of(b, c), all)).as("b serves nothing").isEmpty();
  }

  private static NodeRecord taker(String id, double iops) {
    return NodeRecord.newBuilder().setId(id).setIopsThreshold(1000)
        .setStoreIo(StoreIoLoad.newBuilder().setIops(iops)).build();
  }

  private static VolumeRecord served(String name, String primary, String... replicas) {
    SnippetPlacement p = SnippetPlacement.newBuilder().addNodes(primary).addAllNodes(List.of(replicas)).build();
    return VolumeRecord.newBuilder().setName(name).setPrimary(primary).addSnippets(p).addSnippets(p).build();
  }

  private static NodeDescriptor up(String id) {
    return new NodeDescriptor(id, Location.parse("s/c" + id + "/r/h"), NodeState.UP, 1000, 500, 0);
  }
}
