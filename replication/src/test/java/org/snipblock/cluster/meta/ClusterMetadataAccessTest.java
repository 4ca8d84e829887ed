package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.apply;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.SetAccess;
import org.snipblock.cluster.proto.VolumeAccess;
import org.snipblock.cluster.proto.VolumeRecord;

/** A volume's cluster-wide access lists in the metadata state machine. */
class ClusterMetadataAccessTest {
  private static final String A = "iqn.2026-12.test:host-a";
  private static final String B = "iqn.2026-12.test:host-b";
  private final ClusterMetadata meta = new ClusterMetadata();

  @BeforeEach
  void volume() {
    apply(meta, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
        .setVolume(VolumeRecord.newBuilder().setName("vm1").setSize(1 << 20))).build().toByteArray());
  }

  @Test
  void allowRestrictsRevokeNarrowsOpenDropsTheLists() throws Exception {
    VolumeRecord v = meta.volume("vm1").orElseThrow();
    assertThat(v.hasAccess()).isFalse();
    assertThat(AccessLists.admitsInitiator(v, "iqn.2026-12.test:anyone")).isTrue();

    VolumeAccess allowed = set(SetAccess.newBuilder().addAllowInitiators(B).addAllowInitiators(A)).getVolume()
        .getAccess();
    assertThat(allowed.getInitiatorsRestricted()).isTrue();
    assertThat(allowed.getInitiatorsList()).containsExactly(A, B);
    assertThat(allowed.getCertificateNamesRestricted()).as("the other door kind stays open").isFalse();
    assertThat(allowed.getVersion()).isEqualTo(1);

    VolumeRecord revoked = set(SetAccess.newBuilder().addRevokeInitiators(A)).getVolume();
    assertThat(AccessLists.admitsInitiator(revoked, A)).isFalse();
    assertThat(AccessLists.admitsInitiator(revoked, B)).isTrue();
    VolumeRecord nobody = set(SetAccess.newBuilder().addRevokeInitiators(B)).getVolume();
    assertThat(nobody.getAccess().getInitiatorsList()).isEmpty();
    assertThat(AccessLists.admitsInitiator(nobody, B)).as("an empty restricted list admits nobody").isFalse();
    assertThat(nobody.getAccess().getVersion()).isEqualTo(3);

    VolumeRecord certs = set(SetAccess.newBuilder().addAllowCertificateNames("host-a")).getVolume();
    assertThat(AccessLists.admitsCertificate(certs, List.of("x", "host-a"))).isTrue();
    assertThat(AccessLists.admitsCertificate(certs, List.of())).isFalse();

    VolumeRecord opened = set(SetAccess.newBuilder().setOpen(true)).getVolume();
    assertThat(AccessLists.admitsInitiator(opened, A)).isTrue();
    assertThat(AccessLists.admitsCertificate(opened, List.of())).isTrue();
    assertThat(opened.getAccess().getVersion()).as("the version goes on growing").isEqualTo(5);

    assertThat(ClusterMetadataRecordsTest.roundTrip(meta).volume("vm1")).as("in the snapshot")
        .isEqualTo(meta.volume("vm1"));
  }

  @Test
  void refusalsChangeNothing() {
    set(SetAccess.newBuilder().addAllowInitiators(A));
    VolumeRecord before = meta.volume("vm1").orElseThrow();
    assertThat(set(SetAccess.newBuilder().addRevokeCertificateNames("host-a")).getError())
        .contains("does not restrict NBD certificate names");
    assertThat(set(SetAccess.newBuilder().addAllowInitiators("host-a")).getError())
        .contains("'host-a' is not an iSCSI initiator name");
    assertThat(set(SetAccess.newBuilder().addAllowInitiators("iqn." + "x".repeat(220))).getReason())
        .isEqualTo("INVALID_ARGUMENT");
    assertThat(set(SetAccess.newBuilder().addAllowCertificateNames("a,b")).getError()).contains("no comma");
    assertThat(set(SetAccess.newBuilder().setOpen(true).addAllowInitiators(B)).getError()).contains("cannot be combined");
    assertThat(set(SetAccess.newBuilder()).getError()).contains("nothing to change");
    MetaResult missing = apply(meta, MetaCommand.newBuilder().setSetAccess(SetAccess.newBuilder().setName("nosuch")
        .addAllowInitiators(A)).build().toByteArray());
    assertThat(missing.getReason()).isEqualTo("NOT_FOUND");
    assertThat(meta.volume("vm1").orElseThrow()).isEqualTo(before);
  }

  private MetaResult set(SetAccess.Builder change) {
    return apply(meta, MetaCommand.newBuilder().setSetAccess(change.setName("vm1")).build().toByteArray());
  }
}
