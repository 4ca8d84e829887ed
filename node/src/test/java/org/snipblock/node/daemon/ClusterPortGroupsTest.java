package org.snipblock.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.DoorPaths;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.AnnounceDoor;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.iscsi.alua.AccessState;
import org.snipblock.iscsi.alua.PortGroup;
import org.snipblock.node.config.AluaPolicy;

/**
 * The target port groups a node's door reports: n1 and n2 in site s1, n3 in s2. With
 * {@code other-sites: standby} a node in another site than the primary's is standby, whichever
 * node is asked (the group of the node a session comes through included), so the setting takes
 * effect on the path an initiator would use; by default it is active/non-optimized.
 */
class ClusterPortGroupsTest {
  private final ClusterMetadata meta = new ClusterMetadata();
  private Set<String> view = Set.of("m1", "m2", "m3");

  ClusterPortGroupsTest() {
    register("n1", "m1", "s1/c1/r1/h1");
    register("n2", "m2", "s1/c2/r1/h2");
    register("n3", "m3", "s2/c1/r1/h3");
    for (int i = 1; i <= 3; i++) {
      apply(MetaCommand.newBuilder().setAnnounceDoor(AnnounceDoor.newBuilder().setId("n" + i)
          .setIscsiPortal("127.0.0.1:326" + i)).build());
    }
    volume("near1", "n2");
    volume("far1", "n3");
  }

  private ClusterPortGroups at(String node, AluaPolicy policy) {
    return new ClusterPortGroups(new DoorPaths(node, meta, () -> view, v -> Optional.empty()), policy, null);
  }

  @Test
  void aNodeInAnotherSiteThanThePrimaryIsStandbyThroughEveryNode() {
    AluaPolicy standby = new AluaPolicy(true, false);
    for (String node : List.of("n1", "n2", "n3")) {
      assertThat(at(node, standby).groups("near1")).as("asked at %s", node).containsExactly(
          new PortGroup(1, AccessState.ACTIVE_NON_OPTIMIZED), new PortGroup(2, AccessState.ACTIVE_OPTIMIZED),
          new PortGroup(3, AccessState.STANDBY));
      assertThat(at(node, standby).groups("far1")).as("asked at %s", node).containsExactly(
          new PortGroup(1, AccessState.STANDBY), new PortGroup(2, AccessState.STANDBY),
          new PortGroup(3, AccessState.ACTIVE_OPTIMIZED));
    }
    // A snapshot's target has its volume's paths.
    assertThat(at("n3", standby).groups("near1@snap")).contains(new PortGroup(3, AccessState.STANDBY));
  }

  @Test
  void byDefaultEveryOtherNodeIsNonOptimizedAndAnUnreachablePrimaryMakesAllTransition() {
    assertThat(at("n3", AluaPolicy.DEFAULT).groups("near1")).containsExactly(
        new PortGroup(1, AccessState.ACTIVE_NON_OPTIMIZED), new PortGroup(2, AccessState.ACTIVE_OPTIMIZED),
        new PortGroup(3, AccessState.ACTIVE_NON_OPTIMIZED));
    view = Set.of("m1", "m3");
    assertThat(at("n3", new AluaPolicy(true, false)).groups("near1")).containsExactly(
        new PortGroup(1, AccessState.TRANSITIONING), new PortGroup(3, AccessState.TRANSITIONING));
    assertThat(at("n3", AluaPolicy.DEFAULT).groups("nosuch")).isEmpty();
  }

  private void volume(String name, String primary) {
    apply(MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder().setVolume(
        VolumeRecord.newBuilder().setName(name).setSize(1 << 20).setPrimary(primary).setEpoch(1))).build());
  }

  private void register(String id, String member, String location) {
    apply(MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(
        NodeRecord.newBuilder().setId(id).setMember(member).setLocation(location))).build());
  }

  private void apply(MetaCommand command) {
    byte[] b = command.toByteArray();
    try {
      assertThat(MetaResult.parseFrom(meta.apply(b, 0, b.length, true)).getOk()).as("%s", command).isTrue();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
