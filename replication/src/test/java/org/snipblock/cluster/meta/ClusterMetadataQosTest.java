package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.apply;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.SetQos;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.qos.QosGroups;
import org.snipblock.store.qos.QosLimits;

/** A volume's QoS setting in the metadata state machine: checked there too, kept in the record and its snapshots. */
class ClusterMetadataQosTest {
  private final ClusterMetadata meta = new ClusterMetadata();

  @BeforeEach
  void volumes() {
    for (String name : new String[] {"a", "b"}) {
      apply(meta, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
          .setVolume(VolumeRecord.newBuilder().setName(name).setSize(1 << 20))).build().toByteArray());
    }
  }

  private MetaResult set(SetQos.Builder s) {
    return apply(meta, MetaCommand.newBuilder().setSetQos(s).build().toByteArray());
  }

  @Test
  void limitsAreKeptCanonicalAndLiftedWithNone() throws Exception {
    VolumeRecord v = set(SetQos.newBuilder().setName("a").setQos("iops-total=2000,bps-write=50M")).getVolume();
    assertThat(v.getQos()).isEqualTo("iops-total=2000,bps-write=52428800");
    assertThat(QosCommand.setting(v).limits()).isEqualTo(QosLimits.parse("bps-write=50M,iops-total=2000"));
    assertThat(ClusterMetadataRecordsTest.roundTrip(meta).volume("a")).as("in the snapshot").isEqualTo(meta.volume("a"));
    assertThat(set(SetQos.newBuilder().setName("a").setQos("none")).getVolume().getQos()).isEmpty();
  }

  @Test
  void badLimitsOrGroupsAreRefusedAndChangeNothing() {
    set(SetQos.newBuilder().setName("a").setQos("iops-total=100"));
    VolumeRecord before = meta.volume("a").orElseThrow();
    MetaResult bad = set(SetQos.newBuilder().setName("a").setQos("iops-total=100,iops-total-max=10"));
    assertThat(bad.getOk()).isFalse();
    assertThat(bad.getReason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(bad.getError()).isEqualTo("invalid --qos: iops-total-max (10) is below iops-total (100)");
    MetaResult badGroup = set(SetQos.newBuilder().setName("a").setSetGroup(true).setGroup("Not A Name"));
    assertThat(badGroup.getOk()).isFalse();
    assertThat(badGroup.getError()).startsWith("invalid --qos-group 'Not A Name'");
    assertThat(set(SetQos.newBuilder().setName("zz").setQos("iops-total=1")).getReason()).isEqualTo("NOT_FOUND");
    assertThat(meta.volume("a").orElseThrow()).isEqualTo(before);
  }

  @Test
  void aGroupsBudgetIsTheLimitsSetLastOnAnyMember() {
    set(SetQos.newBuilder().setName("a").setQos("iops-total=100").setSetGroup(true).setGroup("vm1"));
    VolumeRecord b = set(SetQos.newBuilder().setName("b").setSetGroup(true).setGroup("vm1")).getVolume();
    assertThat(b.getQos()).as("joined: takes the group's").isEqualTo("iops-total=100");
    set(SetQos.newBuilder().setName("b").setQos("iops-total=300"));
    assertThat(QosGroups.budgets(QosCommand.settings(meta.volumes())))
        .containsEntry("group:vm1", QosLimits.parse("iops-total=300")).hasSize(1);
  }
}
