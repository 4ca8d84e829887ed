package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.accepted;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.refusal;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MarkSiteMigration;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.proto.SiteMigrationMark;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * A volume's migration mark is a compare-and-set on its id: set over none, replaced or cleared
 * only by whoever names the mark there now, so two nodes cannot both begin a migration; a refusal
 * changes nothing and names the migration under way.
 */
class SiteMigrationMarksTest {
  private final ClusterMetadata meta = new ClusterMetadata();

  @BeforeEach
  void volume() {
    for (String n : new String[] {"a", "b"}) {
      ok(MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(NodeRecord.newBuilder().setId(n)
          .setMember(n + ":1"))).build());
    }
    ok(MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder().setVolume(VolumeRecord.newBuilder()
        .setName("v").setPrimary("a").setCopies(2).addSnippets(SnippetPlacement.newBuilder().addNodes("a")
            .addNodes("b")))).build());
  }

  @Test
  void aMarkIsSetOverNoneAndReplacedOrClearedOnlyByItsId() {
    VolumeRecord marked = ok(mark("x", "", "a")).getVolume();
    assertThat(marked.getMigration().getSite() + "@" + marked.getMigration().getNode()).isEqualTo("s2@a");

    assertThat(refused(mark("y", "", "b"))).as("a second migration, by another node")
        .isEqualTo("volume v is already migrating to site s2 on a; ask again once that ended");
    assertThat(refused(clear("y")))
        .isEqualTo("volume v is already migrating to site s2 on a; ask again once that ended");
    assertThat(meta.volume("v").orElseThrow().getMigration().getId()).as("nothing changed by the refusals")
        .isEqualTo("x");

    assertThat(ok(mark("y", "x", "b")).getVolume().getMigration().getNode()).as("replaced by its id").isEqualTo("b");
    assertThat(refused(mark("z", "x", "a"))).as("a second replacement of the same mark")
        .isEqualTo("volume v is already migrating to site s2 on b; ask again once that ended");
    assertThat(ok(clear("y")).getVolume().hasMigration()).isFalse();
    assertThat(refused(clear("y"))).isEqualTo("the migration mark of v changed meanwhile; ask again");
    assertThat(refused(MetaCommand.newBuilder().setMarkSiteMigration(MarkSiteMigration.newBuilder().setName("v")
        .setMark(SiteMigrationMark.newBuilder().setSite("s2").setNode("a"))).build()))
        .isEqualTo("a migration mark of v without an id");
    assertThat(refused(MetaCommand.newBuilder().setMarkSiteMigration(MarkSiteMigration.newBuilder().setName("w"))
        .build())).isEqualTo("no volume named w");
    assertThat(meta.volume("v").orElseThrow().hasMigration()).isFalse();
  }

  private static MetaCommand mark(String id, String expected, String node) {
    return MetaCommand.newBuilder().setMarkSiteMigration(MarkSiteMigration.newBuilder().setName("v")
        .setMark(SiteMigrationMark.newBuilder().setSite("s2").setNode(node).setId(id).setStartedMillis(5))
        .setExpectedId(expected)).build();
  }

  private static MetaCommand clear(String expected) {
    return MetaCommand.newBuilder().setMarkSiteMigration(MarkSiteMigration.newBuilder().setName("v")
        .setExpectedId(expected)).build();
  }

  private MetaResult ok(MetaCommand c) {
    return accepted(meta, c);
  }

  private String refused(MetaCommand c) {
    return refusal(meta, c);
  }
}
