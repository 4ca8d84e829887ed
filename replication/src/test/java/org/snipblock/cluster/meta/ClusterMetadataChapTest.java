package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.apply;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.SetChap;
import org.snipblock.cluster.proto.VolumeChap;
import org.snipblock.cluster.proto.VolumeRecord;

/** A volume's CHAP in the metadata state machine: checked there, kept in the record and its snapshots, dropped with off. */
class ClusterMetadataChapTest {
  private static final String SECRET = "s3cret-of-16-ch";
  private final ClusterMetadata meta = new ClusterMetadata();

  @BeforeEach
  void volume() {
    apply(meta, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
        .setVolume(VolumeRecord.newBuilder().setName("a").setSize(1 << 20))).build().toByteArray());
  }

  private MetaResult set(SetChap.Builder s) {
    return apply(meta, MetaCommand.newBuilder().setSetChap(s).build().toByteArray());
  }

  private static VolumeChap.Builder chap(String user, String secret, String mutualUser, String mutualSecret) {
    return VolumeChap.newBuilder().setUser(user).setSecret(secret).setMutualUser(mutualUser).setMutualSecret(mutualSecret);
  }

  @Test
  void aSettingIsKeptWithAVersionAndDroppedWithOff() throws Exception {
    VolumeRecord v = set(SetChap.newBuilder().setName("a").setChap(chap("u1", SECRET, "", ""))).getVolume();
    assertThat(v.getChap().getUser()).isEqualTo("u1");
    assertThat(v.getChap().getSecret()).isEqualTo(SECRET);
    assertThat(v.getChap().getVersion()).isEqualTo(1);
    assertThat(ChapSettings.isSet(v)).isTrue();
    assertThat(ClusterMetadataRecordsTest.roundTrip(meta).volume("a")).as("in the snapshot").isEqualTo(meta.volume("a"));

    VolumeRecord mutual = set(SetChap.newBuilder().setName("a").setChap(chap("u2", SECRET, "t", "another-secret")))
        .getVolume();
    assertThat(mutual.getChap().getMutualUser()).isEqualTo("t");
    assertThat(mutual.getChap().getVersion()).isEqualTo(2);

    VolumeRecord off = set(SetChap.newBuilder().setName("a").setOff(true)).getVolume();
    assertThat(ChapSettings.isSet(off)).isFalse();
    assertThat(off.getChap().getSecret()).as("the secret is gone with it").isEmpty();
    assertThat(off.getChap().getVersion()).isEqualTo(3);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      no user                  | ''          | s3cret-of-16-ch | ''  | ''               | CHAP user must be 1 to 255 printable characters without spaces
      user with a space        | 'u 1'       | s3cret-of-16-ch | ''  | ''               | CHAP user must be 1 to 255 printable characters without spaces
      secret of 11 bytes       | u1          | elevenbytes     | ''  | ''               | CHAP secret must be 12 to 255 printable ASCII characters (96 bits at least, RFC 7143); it has 11 bytes
      secret with a tab        | u1          | 'tab\there-secret' | '' | ''            | CHAP secret must be 12 to 255 printable ASCII characters (96 bits at least, RFC 7143); it has other characters
      mutual user alone        | u1          | s3cret-of-16-ch | t   | ''               | give both the mutual CHAP user and its secret, or neither
      mutual secret alone      | u1          | s3cret-of-16-ch | ''  | another-secret   | give both the mutual CHAP user and its secret, or neither
      short mutual secret      | u1          | s3cret-of-16-ch | t   | short            | mutual CHAP secret must be 12 to 255 printable ASCII characters (96 bits at least, RFC 7143); it has 5 bytes
      one secret both ways     | u1          | s3cret-of-16-ch | t   | s3cret-of-16-ch  | the mutual CHAP secret must differ from the CHAP secret
      """)
  void malformedSettingsAreRefusedInOneLineWithoutTheSecretAndChangeNothing(String what, String user, String secret,
      String mutualUser, String mutualSecret, String message) {
    set(SetChap.newBuilder().setName("a").setChap(chap("good", SECRET, "", "")));
    VolumeRecord before = meta.volume("a").orElseThrow();
    String unescaped = secret.replace("\\t", "\t");
    MetaResult bad = set(SetChap.newBuilder().setName("a").setChap(chap(user, unescaped, mutualUser, mutualSecret)));
    assertThat(bad.getOk()).isFalse();
    assertThat(bad.getReason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(bad.getError()).isEqualTo(message).doesNotContain(unescaped).doesNotContain("\n");
    assertThat(meta.volume("a").orElseThrow()).isEqualTo(before);
  }

  @Test
  void anUnknownVolumeAndOffWithASettingAreRefused() {
    assertThat(set(SetChap.newBuilder().setName("zz").setChap(chap("u1", SECRET, "", ""))).getReason())
        .isEqualTo("NOT_FOUND");
    MetaResult both = set(SetChap.newBuilder().setName("a").setOff(true).setChap(chap("u1", SECRET, "", "")));
    assertThat(both.getReason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(both.getError()).isEqualTo("turning CHAP off cannot be combined with a new setting");
    assertThat(meta.volume("a").orElseThrow().hasChap()).isFalse();
  }

  @Test
  void aSecretOf255PrintableCharactersIsTakenAnd256IsNot() {
    String longest = "x".repeat(255);
    assertThat(set(SetChap.newBuilder().setName("a").setChap(chap("u1", longest, "", ""))).getOk()).isTrue();
    MetaResult tooLong = set(SetChap.newBuilder().setName("a").setChap(chap("u1", longest + "x", "", "")));
    assertThat(tooLong.getError()).endsWith("it has 256 bytes");
  }

  /**
   * What the node taking a change commits: the secrets sealed with the cluster's key. Neither the
   * command in the log, nor the record, nor the snapshot holds a secret's bytes; the record opens with
   * the key, for its volume.
   */
  @Test
  void aSealedSettingKeepsNoSecretInTheLogTheRecordOrTheSnapshot() throws Exception {
    ChapKey key = ChapKey.of(new byte[ChapKey.KEY_BYTES]);
    String mutualSecret = "mutual-secret-of-20b";
    VolumeChap sealed = ChapSettings.sealed("a", chap("u1", SECRET, "t1", mutualSecret).build(), key);
    byte[] command = MetaCommand.newBuilder().setSetChap(SetChap.newBuilder().setName("a").setChap(sealed)).build()
        .toByteArray();
    VolumeRecord v = apply(meta, command).getVolume();
    assertThat(v.getChap().getUser()).isEqualTo("u1");
    assertThat(v.getChap().getSecret()).isEmpty();
    assertThat(key.open("a", ChapKey.Role.SECRET, v.getChap().getSealedSecret().toByteArray())).isEqualTo(SECRET);
    assertThat(key.open("a", ChapKey.Role.MUTUAL_SECRET, v.getChap().getSealedMutualSecret().toByteArray()))
        .isEqualTo(mutualSecret);

    java.io.ByteArrayOutputStream snapshot = new java.io.ByteArrayOutputStream();
    meta.writeContentTo(new java.io.DataOutputStream(snapshot));
    for (byte[] stored : java.util.List.of(command, v.toByteArray(), snapshot.toByteArray())) {
      String text = new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(text).as("the user is there: the bytes are searchable").contains("u1");
      assertThat(text).doesNotContain(SECRET).doesNotContain(mutualSecret);
    }
  }

  @Test
  void aSealedSettingIsCheckedForItsFormWithoutAKey() {
    ChapKey key = ChapKey.of(new byte[ChapKey.KEY_BYTES]);
    VolumeChap sealed = ChapSettings.sealed("a", chap("u1", SECRET, "", "").build(), key);
    set(SetChap.newBuilder().setName("a").setChap(sealed.toBuilder()));
    VolumeRecord before = meta.volume("a").orElseThrow();
    MetaResult clearToo = set(SetChap.newBuilder().setName("a").setChap(sealed.toBuilder().setSecret(SECRET)));
    assertThat(clearToo.getError()).isEqualTo("a sealed CHAP setting carries no clear secret");
    MetaResult cut = set(SetChap.newBuilder().setName("a").setChap(sealed.toBuilder()
        .setSealedSecret(sealed.getSealedSecret().substring(0, 20))));
    assertThat(cut.getError()).isEqualTo("CHAP secret is not a sealed secret of format 1 (20 bytes)");
    MetaResult mutualAlone = set(SetChap.newBuilder().setName("a").setChap(sealed.toBuilder()
        .setSealedMutualSecret(sealed.getSealedSecret())));
    assertThat(mutualAlone.getError()).isEqualTo("give both the mutual CHAP user and its secret, or neither");
    assertThat(meta.volume("a").orElseThrow()).as("nothing changed").isEqualTo(before);
  }
}
