package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.apply;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.putCommand;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.Record;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * Installing a snapshot (raft sends one to a node whose log is too far behind, e.g. back from a
 * kill -9) tells the listeners what it changed, as applying the entries it replaces would have: the
 * reconciler of a restarted primary must hear of its volume, or the volume never gets a primary again.
 */
class ClusterMetadataSnapshotTest {
  @Test
  void listenersHearOfEveryVolumeAndRecordASnapshotChanges() throws Exception {
    ClusterMetadata leader = new ClusterMetadata();
    createVolume(leader, "disk");
    apply(leader, putCommand("vm", "web-1", new byte[1], 0));
    apply(leader, putCommand("vm", "same", new byte[1], 0));

    ClusterMetadata behind = new ClusterMetadata();
    createVolume(behind, "old");
    apply(behind, putCommand("vm", "same", new byte[1], 0));
    apply(behind, putCommand("vm", "gone", new byte[1], 0));
    List<VolumeRecord> volumes = new ArrayList<>();
    behind.onVolumeChange(volumes::add);
    List<ClusterMetadata.RecordChange> records = new ArrayList<>();
    behind.watchRecords("vm", "", records::add);

    install(leader, behind);

    assertThat(volumes).as("the volume it holds, and the one it no longer holds (by name only)")
        .containsExactlyInAnyOrder(leader.volume("disk").orElseThrow(), VolumeRecord.newBuilder().setName("old").build());
    assertThat(records).extracting(c -> c.record().getKey() + (c.deleted() ? " deleted" : " put"))
        .as("only what differs").containsExactlyInAnyOrder("web-1 put", "gone deleted");

    records.clear();
    install(leader, behind);
    assertThat(records).as("nothing differs the second time").isEmpty();
    assertThat(behind.records("vm", "")).extracting(Record::getKey).containsExactlyInAnyOrder("web-1", "same");
  }

  private static void createVolume(ClusterMetadata m, String name) {
    assertThat(apply(m, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
        .setVolume(VolumeRecord.newBuilder().setName(name).setSize(1 << 20))).build().toByteArray()).getOk()).isTrue();
  }

  private static void install(ClusterMetadata from, ClusterMetadata into) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    from.writeContentTo(new DataOutputStream(bytes));
    into.readContentFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
  }
}
