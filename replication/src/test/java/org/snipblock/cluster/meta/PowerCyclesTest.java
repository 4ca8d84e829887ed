package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.apply;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.PutScsiState;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.proto.ViewSeen;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * A whole-cluster restart told from the processes in committed views: reservations without APTPL
 * dropped then, with APTPL kept; nodes restarting one at a time, or a late smaller view, drop nothing.
 */
class PowerCyclesTest {
  private final ClusterMetadata meta = new ClusterMetadata();
  private final List<String> changed = new ArrayList<>();

  @BeforeEach
  void cluster() {
    meta.onVolumeChange(v -> changed.add(v.getName()));
    for (String id : List.of("n1", "n2", "n3")) {
      apply(meta, MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(
          NodeRecord.newBuilder().setId(id).setMember("m-" + id))).build().toByteArray());
    }
    for (String name : List.of("plain", "aptpl", "untouched")) {
      apply(meta, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
          .setVolume(VolumeRecord.newBuilder().setName(name).setSize(1 << 20))).build().toByteArray());
    }
    // The cluster's first view finds no process seen before: a power-on (nothing to drop yet).
    view(Map.of("m-n1", "p1", "m-n2", "p2", "m-n3", "p3"));
    put("plain", false);
    put("aptpl", true);
    changed.clear();
  }

  private void put(String name, boolean aptpl) {
    VolumeRecord v = meta.volume(name).orElseThrow();
    assertThat(apply(meta, MetaCommand.newBuilder().setPutScsiState(PutScsiState.newBuilder().setName(name)
        .setUid(v.getUid()).setExpectedVersion(v.getScsiStateVersion()).setState(ByteString.copyFromUtf8("state"))
        .setPersistThroughPowerLoss(aptpl)).build().toByteArray()).getOk()).isTrue();
  }

  private void view(Map<String, String> incarnations) {
    assertThat(apply(meta, MetaCommand.newBuilder().setViewSeen(ViewSeen.newBuilder().putAllIncarnations(incarnations))
        .build().toByteArray()).getOk()).isTrue();
  }

  @Test
  void nodesRestartingOneAtATimeDropNothing() {
    view(Map.of("m-n1", "p1", "m-n2", "p2"));                  // n3 killed
    view(Map.of("m-n1", "p1", "m-n2", "p2", "m-n3", "p3b"));   // n3 back as a new process
    view(Map.of("m-n2", "p2", "m-n3", "p3b"));                 // n1 killed
    view(Map.of("m-n1", "p1b", "m-n2", "p2", "m-n3", "p3b"));
    view(Map.of("m-n1", "p1b", "m-n2", "p2b", "m-n3", "p3b")); // every process replaced, never all at once
    assertThat(meta.volume("plain").orElseThrow().getScsiState().toStringUtf8()).isEqualTo("state");
    assertThat(changed).isEmpty();
    assertThat(PowerCycles.known(meta.nodes(), Map.of("m-n1", "p1b", "m-n2", "p2b", "m-n3", "p3b"))).isTrue();
  }

  @Test
  void aViewOfOnlyNewProcessesDropsTheStatesWithoutAptpl() {
    long before = meta.volume("plain").orElseThrow().getScsiStateVersion();
    view(Map.of("m-n1", "q1", "m-n3", "q3"));
    VolumeRecord plain = meta.volume("plain").orElseThrow();
    assertThat(plain.getScsiState().isEmpty()).isTrue();
    assertThat(plain.getScsiStateVersion()).as("a new version, so every door takes it in").isEqualTo(before + 1);
    assertThat(meta.volume("aptpl").orElseThrow().getScsiState().toStringUtf8()).isEqualTo("state");
    assertThat(changed).as("listeners hear of the dropped state").containsExactly("plain");
    view(Map.of("m-n1", "q1", "m-n2", "q2", "m-n3", "q3"));
    assertThat(changed).as("once").containsExactly("plain");
  }

  @Test
  void aRegistrationKeepsTheProcessLastSeenAndAPartialViewForgetsNoOne() {
    apply(meta, MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(
        NodeRecord.newBuilder().setId("n2").setMember("m-n2"))).build().toByteArray());
    view(Map.of("m-n2", "p2"));   // a late view naming only n2
    view(Map.of("m-n1", "p1"));   // and one naming only n1: n1 was seen before, no power loss
    assertThat(meta.volume("plain").orElseThrow().getScsiState().toStringUtf8()).isEqualTo("state");
    assertThat(meta.nodes()).extracting(NodeRecord::getIncarnation).containsExactly("p1", "p2", "p3");
  }
}
