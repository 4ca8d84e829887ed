package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.apply;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.PutScsiState;
import org.snipblock.cluster.proto.VolumeRecord;

/** A volume's shared SCSI state: compare-and-set on its version, refused with nothing changed otherwise. */
class ScsiStatesTest {
  private final ClusterMetadata meta = new ClusterMetadata();

  private long create() {
    apply(meta, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
        .setVolume(VolumeRecord.newBuilder().setName("vm1").setSize(1 << 20))).build().toByteArray());
    return meta.volume("vm1").orElseThrow().getUid();
  }

  private MetaResult put(String name, long uid, long expected, byte[] state) {
    return apply(meta, MetaCommand.newBuilder().setPutScsiState(PutScsiState.newBuilder().setName(name).setUid(uid)
        .setExpectedVersion(expected).setState(ByteString.copyFrom(state))).build().toByteArray());
  }

  @Test
  void changesApplyInTurnAndALateOneIsAConflict() {
    long uid = create();
    assertThat(put("vm1", uid, 0, new byte[] {1}).getOk()).isTrue();
    assertThat(put("vm1", uid, 1, new byte[] {2}).getVolume().getScsiStateVersion()).isEqualTo(2);
    MetaResult late = put("vm1", uid, 1, new byte[] {3});
    assertThat(late.getOk()).isFalse();
    assertThat(late.getReason()).isEqualTo("CONFLICT");
    VolumeRecord v = meta.volume("vm1").orElseThrow();
    assertThat(v.getScsiState().toByteArray()).containsExactly(2);
    assertThat(v.getScsiStateVersion()).isEqualTo(2);
  }

  @Test
  void anotherVolumeOfTheNameOrAnOversizedStateIsRefused() {
    long uid = create();
    VolumeRecord before = meta.volume("vm1").orElseThrow();
    assertThat(put("vm1", uid + 1, 0, new byte[] {1}).getReason()).isEqualTo("NOT_FOUND");
    assertThat(put("nosuch", uid, 0, new byte[] {1}).getReason()).isEqualTo("NOT_FOUND");
    MetaResult big = put("vm1", uid, 0, new byte[ScsiStates.MAX_STATE_BYTES + 1]);
    assertThat(big.getReason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(meta.volume("vm1").orElseThrow()).isEqualTo(before);
  }
}
