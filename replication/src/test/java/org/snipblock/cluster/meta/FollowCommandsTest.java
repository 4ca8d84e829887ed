package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.apply;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.AutoModeSwitch;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.proto.SetCatchUp;
import org.snipblock.cluster.proto.SetConsumer;
import org.snipblock.cluster.proto.SetMode;
import org.snipblock.cluster.proto.SetModeControl;
import org.snipblock.cluster.proto.VolumeRecord;

/** Consumer, automatic mode control and catch-up in the metadata state machine: bad input refused, nothing changed. */
class FollowCommandsTest {
  private final ClusterMetadata meta = new ClusterMetadata();

  @BeforeEach
  void volumeAndNodes() {
    for (String[] n : new String[][] {{"n1", "a/c1/r1/h1"}, {"n2", "a/c2/r1/h2"}, {"n3", "b/c1/r1/h3"}}) {
      apply(meta, MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(NodeRecord.newBuilder()
          .setId(n[0]).setMember("127.0.0.1:" + n[0].charAt(1)).setLocation(n[1]))).build().toByteArray());
    }
    apply(meta, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
        .setVolume(VolumeRecord.newBuilder().setName("vm1").setSize(1 << 20).setMode("async").setPrimary("n1")))
        .build().toByteArray());
  }

  @Test
  void aConsumerMustNameAKnownSiteInAWellFormedPlace() {
    assertThat(consumer("b/c1").getVolume().getConsumer()).isEqualTo("b/c1");
    VolumeRecord before = meta.volume("vm1").orElseThrow();
    assertThat(consumer("z").getError()).isEqualTo("unknown site z in consumer z (the cluster's nodes are in a, b)");
    assertThat(consumer("a//r1").getError()).isEqualTo(
        "bad compartment name '' in consumer 'a//r1': use 1-63 of [A-Za-z0-9._-], starting alphanumeric");
    assertThat(consumer("a/b/c/d/e").getError()).startsWith("consumer 'a/b/c/d/e' has 5 parts");
    assertThat(consumer("a/c 1").getReason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(meta.volume("vm1").orElseThrow()).as("refusals change nothing").isEqualTo(before);
    assertThat(run(MetaCommand.newBuilder().setSetConsumer(SetConsumer.newBuilder().setName("nope")
        .setConsumer("a")).build()).getError()).isEqualTo("no volume named nope");
    assertThat(consumer("").getVolume().getConsumer()).as("empty forgets").isEmpty();
  }

  @Test
  void automaticSwitchesAreKeptOnlyUnderAutomaticControlAndAnExplicitModeEndsIt() {
    assertThat(autoSwitch("sync", 1).getError()).isEqualTo("volume vm1 is no longer under automatic mode control");
    assertThat(run(MetaCommand.newBuilder().setSetModeControl(SetModeControl.newBuilder().setName("vm1")
        .setAuto(true)).build()).getVolume().getAutoMode()).isTrue();
    assertThat(autoSwitch("sync", 7).getError()).contains("a primary of epoch 7 may no longer switch its mode");
    assertThat(autoSwitch("fast", 1).getError()).isEqualTo("unknown replication mode 'fast'");
    String mode = "async";
    for (int i = 0; i < 10; i++) {
      mode = mode.equals("async") ? "sync" : "async";
      assertThat(autoSwitch(mode, 1).getVolume().getMode()).isEqualTo(mode);
    }
    VolumeRecord v = meta.volume("vm1").orElseThrow();
    assertThat(v.getModeSwitchesCount()).isEqualTo(FollowCommands.SWITCHES_KEPT);
    assertThat(v.getModeSwitches(FollowCommands.SWITCHES_KEPT - 1).getTo()).isEqualTo("async");
    assertThat(v.getModeSwitches(0).getReason()).isEqualTo("because 5");

    VolumeRecord explicit = run(MetaCommand.newBuilder().setSetMode(SetMode.newBuilder().setName("vm1")
        .setMode("sync")).build()).getVolume();
    assertThat(explicit.getAutoMode()).as("the operator's own mode ends automatic control").isFalse();
    assertThat(autoSwitch("async", 1).getOk()).isFalse();
  }

  @Test
  void catchUpIsAFlag() throws Exception {
    assertThat(run(MetaCommand.newBuilder().setSetCatchUp(SetCatchUp.newBuilder().setName("vm1")
        .setCatchingUp(true)).build()).getVolume().getCatchingUp()).isTrue();
    assertThat(ClusterMetadataRecordsTest.roundTrip(meta).volume("vm1").orElseThrow().getCatchingUp())
        .as("in the snapshot").isTrue();
  }

  private int switches;

  private MetaResult autoSwitch(String mode, long epoch) {
    return run(MetaCommand.newBuilder().setAutoModeSwitch(AutoModeSwitch.newBuilder().setName("vm1").setEpoch(epoch)
        .setMode(mode).setReason("because " + switches++)).build());
  }

  private MetaResult consumer(String place) {
    return run(MetaCommand.newBuilder().setSetConsumer(SetConsumer.newBuilder().setName("vm1").setConsumer(place))
        .build());
  }

  private MetaResult run(MetaCommand cmd) {
    return apply(meta, cmd.toByteArray());
  }
}
