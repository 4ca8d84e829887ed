package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.AnnounceDoor;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.proto.ReportUsage;
import org.snipblock.cluster.proto.VolumeRecord;

/** The nodes' iSCSI doors in the metadata (portal group tags, portals) and the paths derived from them. */
class DoorPathsTest {
  private final ClusterMetadata meta = new ClusterMetadata();
  private Set<String> view = Set.of("m1", "m2", "m3");

  private DoorPaths pathsAt(String node) {
    return new DoorPaths(node, meta, () -> view, volume -> Optional.empty());
  }

  private void threeNodesAndAVolume() {
    register("n1", "m1", "s1/c1/r1/h1");
    register("n2", "m2", "s1/c2/r1/h2");
    register("n3", "m3", "s2/c1/r1/h3");
    for (int i = 1; i <= 3; i++) {
      assertThat(announce("n" + i, "127.0.0.1:326" + i).getOk()).isTrue();
    }
    apply(MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder().setVolume(
        VolumeRecord.newBuilder().setName("vm1").setSize(1 << 20).setPrimary("n2").setEpoch(1))).build());
  }

  @Test
  void nodesGetTagsInTurnAndKeepThemAcrossRegistrationAndSnapshots() throws Exception {
    threeNodesAndAVolume();
    assertThat(meta.nodes()).extracting(NodeRecord::getPortalGroup).containsExactly(1, 2, 3);
    register("n2", "m2", "s1/c2/r1/h2"); // a restart registers again
    NodeRecord n2 = meta.node("n2").orElseThrow();
    assertThat(n2.getPortalGroup()).isEqualTo(2);
    assertThat(n2.getIscsiPortal()).isEqualTo("127.0.0.1:3262");

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    meta.writeContentTo(new DataOutputStream(bytes));
    ClusterMetadata restored = new ClusterMetadata();
    restored.readContentFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(restored.nodes()).isEqualTo(meta.nodes());
  }

  @Test
  void aMalformedAnnouncementChangesNothing() {
    threeNodesAndAVolume();
    List<NodeRecord> before = meta.nodes();
    for (String bad : new String[] {"", "127.0.0.1", "host:port", "a b:1", "127.0.0.1:3260,1", "[zz]:1"}) {
      MetaResult r = announce("n1", bad);
      assertThat(r.getOk()).as("portal '%s'", bad).isFalse();
      assertThat(r.getError()).contains("invalid iSCSI portal");
    }
    assertThat(announce("n9", "127.0.0.1:3269").getError()).contains("unknown node n9");
    assertThat(meta.nodes()).isEqualTo(before);
  }

  @Test
  void pathsStartHereThenGoByRoundTripAndNameThePrimary() {
    threeNodesAndAVolume();
    apply(MetaCommand.newBuilder().setReportUsage(ReportUsage.newBuilder().setId("n1")
        .putRttMillis("n2", 5.0).putRttMillis("n3", 0.5)).build());
    DoorPaths.VolumePaths p = pathsAt("n1").of("vm1").orElseThrow();
    assertThat(p.nearestFirst()).extracting(DoorPaths.Path::node).containsExactly("n1", "n3", "n2");
    assertThat(p.nearestFirst()).extracting(DoorPaths.Path::portal)
        .containsExactly("127.0.0.1:3261", "127.0.0.1:3263", "127.0.0.1:3262");
    assertThat(p.nearestFirst()).filteredOn(DoorPaths.Path::primary).extracting(DoorPaths.Path::node)
        .containsExactly("n2");
    assertThat(p.nearestFirst()).filteredOn(DoorPaths.Path::otherSite).extracting(DoorPaths.Path::node)
        .containsExactly("n3");
    assertThat(p.transitioning()).isFalse();
    // Without measured round trips: by place (same site first), then by name.
    assertThat(pathsAt("n2").of("vm1").orElseThrow().nearestFirst()).extracting(DoorPaths.Path::node)
        .containsExactly("n2", "n1", "n3");
    assertThat(pathsAt("n1").of("nosuch")).isEmpty();
    assertThat(pathsAt("n3").localPortalGroup()).isEqualTo(3);
  }

  /**
   * "Another site" is the primary's view, whichever node answers: a session through n3 (site s2,
   * the primary n2 in s1) is told its own path is the remote one, and with the primary in s2 the
   * nodes of s1 are.
   */
  @Test
  void anotherSiteIsMeasuredFromThePrimarysSiteOnEveryNode() {
    threeNodesAndAVolume();
    for (String at : List.of("n1", "n2", "n3")) {
      assertThat(pathsAt(at).of("vm1").orElseThrow().nearestFirst()).as("asked at %s", at)
          .filteredOn(DoorPaths.Path::otherSite).extracting(DoorPaths.Path::node).containsExactly("n3");
    }
    apply(MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder().setVolume(
        VolumeRecord.newBuilder().setName("vm2").setSize(1 << 20).setPrimary("n3").setEpoch(1))).build());
    for (String at : List.of("n1", "n2", "n3")) {
      assertThat(pathsAt(at).of("vm2").orElseThrow().nearestFirst()).as("asked at %s", at)
          .filteredOn(DoorPaths.Path::otherSite).extracting(DoorPaths.Path::node).containsExactlyInAnyOrder("n1", "n2");
    }
  }

  @Test
  void anUnreachablePrimaryMakesThePathsTransitionAndItsDoorIsNotListed() {
    threeNodesAndAVolume();
    DoorPaths paths = pathsAt("n1");
    assertThat(paths.of("vm1").orElseThrow().transitioning()).isFalse();
    view = Set.of("m1", "m3");
    paths.changed();
    DoorPaths.VolumePaths p = paths.of("vm1").orElseThrow();
    assertThat(p.transitioning()).isTrue();
    assertThat(p.nearestFirst()).extracting(DoorPaths.Path::node).containsExactly("n1", "n3");
  }

  private void register(String id, String member, String location) {
    MetaResult r = apply(MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(
        NodeRecord.newBuilder().setId(id).setMember(member).setLocation(location))).build());
    assertThat(r.getOk()).isTrue();
  }

  private MetaResult announce(String id, String portal) {
    return apply(MetaCommand.newBuilder().setAnnounceDoor(AnnounceDoor.newBuilder().setId(id)
        .setIscsiPortal(portal)).build());
  }

  private MetaResult apply(MetaCommand command) {
    byte[] b = command.toByteArray();
    try {
      return MetaResult.parseFrom(meta.apply(b, 0, b.length, true));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
