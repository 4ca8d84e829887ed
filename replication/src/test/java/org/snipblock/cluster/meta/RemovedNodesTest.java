package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.apply;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.roundTrip;

import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.proto.RemoveNode;

/**
 * A node taken out with remove-node stays out: its registration after a restart is refused (for
 * good: the node ends), also after a snapshot; only a registration from a fresh --join (an explicit
 * add) takes it in again.
 */
class RemovedNodesTest {
  private ClusterMetadata meta = new ClusterMetadata();

  @Test
  void aRemovedNodeIsRefusedUntilAddedExplicitly() throws Exception {
    assertThat(register("a", "h:1", false).getOk()).isTrue();
    assertThat(register("b", "h:2", false).getOk()).isTrue();
    assertThat(apply(meta, MetaCommand.newBuilder().setRemoveNode(RemoveNode.newBuilder().setId("a")).build()
        .toByteArray()).getOk()).isTrue();
    assertThat(meta.nodes()).extracting(NodeRecord::getId).containsExactly("b");
    assertThat(meta.removedNode("a")).hasValueSatisfying(n -> assertThat(n.getMember()).isEqualTo("h:1"));

    meta = roundTrip(meta);
    assertThat(meta.nodes()).extracting(NodeRecord::getId).as("after a snapshot").containsExactly("b");
    MetaResult again = register("a", "h:1", false);
    assertThat(again.getOk()).isFalse();
    assertThat(again.getReason()).isEqualTo("CONFLICT");
    assertThat(again.getError()).isEqualTo("node a was removed from the cluster (cluster remove-node a) and does not "
        + "rejoin on its own: to add it again, start it on an empty data directory with --join naming members of "
        + "the cluster (not itself)");
    assertThat(meta.nodes()).extracting(NodeRecord::getId).containsExactly("b");

    assertThat(register("a", "h:9", true).getOk()).isTrue();
    assertThat(meta.removedNode("a")).isEmpty();
    assertThat(meta.node("a")).hasValueSatisfying(n -> {
      assertThat(n.getMember()).isEqualTo("h:9");
      assertThat(n.getJoining()).as("the flag belongs to the registration only").isFalse();
    });
    assertThat(register("a", "h:9", false).getOk()).as("its restarts register as usual").isTrue();
  }

  @Test
  void removingAnUnknownNodeChangesNothing() {
    MetaResult r = apply(meta, MetaCommand.newBuilder().setRemoveNode(RemoveNode.newBuilder().setId("x")).build()
        .toByteArray());
    assertThat(r.getOk()).isFalse();
    assertThat(r.getError()).isEqualTo("unknown node x");
    assertThat(meta.removedNode("x")).isEmpty();
  }

  private MetaResult register(String id, String member, boolean joining) {
    return apply(meta, MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(NodeRecord
        .newBuilder().setId(id).setMember(member).setLocation("s/c/r/h").setJoining(joining))).build().toByteArray());
  }
}
