package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.DeleteRecord;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.PutRecord;
import org.snipblock.cluster.proto.Record;
import org.snipblock.cluster.proto.VolumeRecord;

/** The records of the metadata state machine: compare-and-set, limits, snapshots, watching. */
class ClusterMetadataRecordsTest {
  private final ClusterMetadata meta = new ClusterMetadata();

  @Test
  void createUpdateAndDeleteFollowTheVersion() {
    MetaResult created = put("vm", "web-1", "{\"cpus\":2}", 0);
    assertThat(created.getOk()).isTrue();
    assertThat(created.getRecord().getVersion()).isEqualTo(1);

    MetaResult again = put("vm", "web-1", "{}", 0);
    assertThat(again.getOk()).isFalse();
    assertThat(again.getReason()).isEqualTo("ALREADY_EXISTS");

    MetaResult updated = put("vm", "web-1", "{\"cpus\":4}", 1);
    assertThat(updated.getRecord().getVersion()).isEqualTo(2);

    MetaResult stale = put("vm", "web-1", "{\"cpus\":8}", 1);
    assertThat(stale.getOk()).isFalse();
    assertThat(stale.getReason()).isEqualTo("CONFLICT");
    assertThat(stale.getError()).contains("vm/web-1 is at version 2, not 1");
    assertThat(meta.record("vm", "web-1").orElseThrow().getValue().toStringUtf8()).isEqualTo("{\"cpus\":4}");

    MetaResult wrongDelete = delete("vm", "web-1", 1);
    assertThat(wrongDelete.getReason()).isEqualTo("CONFLICT");
    MetaResult deleted = delete("vm", "web-1", 2);
    assertThat(deleted.getOk()).isTrue();
    assertThat(deleted.getRecord().getVersion()).isEqualTo(2);
    assertThat(meta.record("vm", "web-1")).isEmpty();
    assertThat(delete("vm", "web-1", 0).getReason()).isEqualTo("NOT_FOUND");
    assertThat(put("vm", "web-1", "{}", 3).getReason()).isEqualTo("NOT_FOUND");
  }

  @Test
  void listsOneKindByKeyPrefixSorted() {
    put("vm", "b", "1", 0);
    put("vm", "a", "1", 0);
    put("vm", "ab", "1", 0);
    put("vmx", "a", "1", 0);
    put("host", "a", "1", 0);
    assertThat(meta.records("vm", "").stream().map(Record::getKey)).containsExactly("a", "ab", "b");
    assertThat(meta.records("vm", "a").stream().map(Record::getKey)).containsExactly("a", "ab");
    assertThat(meta.records("vmx", "").stream().map(Record::getKey)).containsExactly("a");
    assertThat(meta.records("task", "")).isEmpty();
  }

  @Test
  void refusesOversizedAndMalformedRecordsChangingNothing() {
    MetaResult big = apply(MetaCommand.newBuilder().setPutRecord(PutRecord.newBuilder().setKind("vm").setKey("k")
        .setValue(ByteString.copyFrom(new byte[RecordLimits.MAX_VALUE_BYTES + 1]))).build().toByteArray());
    assertThat(big.getReason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(big.getError()).contains("larger than the 256 KiB");
    assertThat(put("vm", "k".repeat(257), "x", 0).getError()).contains("1..256 characters");
    assertThat(put("vm", "", "x", 0).getReason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(put("vm", "a\nb", "x", 0).getError()).contains("control character");
    assertThat(put("VM", "a", "x", 0).getError()).contains("record kind 'VM'");
    assertThat(put("", "a", "x", 0).getReason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(apply(new byte[] {(byte) 0xff, 0x01, 0x02}).getError()).startsWith("malformed metadata command");
    assertThat(apply(MetaCommand.getDefaultInstance().toByteArray()).getError()).contains("unknown metadata command");
    assertThat(meta.records("vm", "")).isEmpty();
  }

  @Test
  void refusesGrowingBeyondTheTotalBound() {
    byte[] value = new byte[RecordLimits.MAX_VALUE_BYTES];
    long fits = RecordSpace.MAX_TOTAL_BYTES / (RecordLimits.MAX_VALUE_BYTES + 4);
    for (int i = 0; i < fits; i++) {
      assertThat(apply(putCommand("blob", String.format("%04d", i), value, 0)).getOk()).isTrue();
    }
    MetaResult over = apply(putCommand("blob", "more", value, 0));
    assertThat(over.getReason()).isEqualTo("NO_SPACE");
    // Replacing a value with one no larger still fits; deleting makes room.
    assertThat(apply(putCommand("blob", "0000", new byte[10], 1)).getOk()).isTrue();
    assertThat(apply(putCommand("blob", "more", value, 0)).getOk()).isTrue();
  }

  @Test
  void snapshotsCarryRecordsVolumesAndVersions() throws Exception {
    put("vm", "web-1", "{\"a\":1}", 0);
    put("vm", "web-1", "{\"a\":2}", 1);
    put("task", "t-1", "{}", 0);
    apply(MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
        .setVolume(VolumeRecord.newBuilder().setName("disk").setSize(1 << 20))).build().toByteArray());

    ClusterMetadata restored = roundTrip(meta);
    assertThat(restored.records("vm", "")).containsExactlyElementsOf(meta.records("vm", ""));
    assertThat(restored.records("task", "")).containsExactlyElementsOf(meta.records("task", ""));
    assertThat(restored.volume("disk")).isEqualTo(meta.volume("disk"));
    // The version goes on from where the snapshot was: a caller's compare-and-set still holds.
    MetaResult next = apply(restored, putCommand("vm", "web-1", new byte[1], 2));
    assertThat(next.getRecord().getVersion()).isEqualTo(3);
    // Installing a snapshot replaces what was there, records included.
    ClusterMetadata other = new ClusterMetadata();
    apply(other, putCommand("vm", "gone", new byte[1], 0));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    meta.writeContentTo(new DataOutputStream(bytes));
    other.readContentFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(other.records("vm", "").stream().map(Record::getKey)).containsExactly("web-1");
  }

  @Test
  void aWatchSeesTheCurrentRecordsThenEveryLaterChangeOnce() {
    put("vm", "a", "1", 0);
    put("host", "h", "1", 0);
    List<ClusterMetadata.RecordChange> seen = new ArrayList<>();
    ClusterMetadata.Watch w = meta.watchRecords("vm", "", seen::add);
    assertThat(w.current().stream().map(Record::getKey)).containsExactly("a");
    put("vm", "a", "2", 1);
    put("host", "h", "2", 1);
    put("vm", "b", "1", 0);
    delete("vm", "a", 0);
    put("vm", "b", "1", 7);
    assertThat(seen).extracting(c -> (c.deleted() ? "-" : "+") + c.record().getKey() + "@" + c.record().getVersion())
        .containsExactly("+a@2", "+b@1", "-a@2");
    w.cancel().run();
    put("vm", "c", "1", 0);
    assertThat(seen).hasSize(3);
  }

  private MetaResult put(String kind, String key, String value, long expected) {
    return apply(putCommand(kind, key, value.getBytes(java.nio.charset.StandardCharsets.UTF_8), expected));
  }

  private MetaResult delete(String kind, String key, long expected) {
    return apply(MetaCommand.newBuilder().setDeleteRecord(DeleteRecord.newBuilder().setKind(kind).setKey(key)
        .setExpectedVersion(expected)).build().toByteArray());
  }

  static byte[] putCommand(String kind, String key, byte[] value, long expected) {
    return MetaCommand.newBuilder().setPutRecord(PutRecord.newBuilder().setKind(kind).setKey(key)
        .setValue(ByteString.copyFrom(value)).setExpectedVersion(expected)).build().toByteArray();
  }

  private MetaResult apply(byte[] command) {
    return apply(meta, command);
  }

  static MetaResult apply(ClusterMetadata m, byte[] command) {
    try {
      return MetaResult.parseFrom(m.apply(command, 0, command.length, true));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** Applies {@code c}, which must be accepted. */
  static MetaResult accepted(ClusterMetadata m, MetaCommand c) {
    MetaResult r = apply(m, c.toByteArray());
    assertThat(r.getOk()).as(r.getError()).isTrue();
    return r;
  }

  /** Applies {@code c}, which must be refused; returns the refusal. */
  static String refusal(ClusterMetadata m, MetaCommand c) {
    MetaResult r = apply(m, c.toByteArray());
    assertThat(r.getOk()).isFalse();
    return r.getError();
  }

  static ClusterMetadata roundTrip(ClusterMetadata m) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    m.writeContentTo(new DataOutputStream(bytes));
    ClusterMetadata restored = new ClusterMetadata();
    restored.readContentFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    return restored;
  }
}
