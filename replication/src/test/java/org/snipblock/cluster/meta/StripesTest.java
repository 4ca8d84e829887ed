package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.ResizeVolume;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

/** Which stripe places which snippet, and the state machine's refusals of records that break the rule. */
class StripesTest {
  private static MetaResult apply(ClusterMetadata meta, MetaCommand cmd) {
    return ClusterMetadataRecordsTest.apply(meta, cmd.toByteArray());
  }

  private static VolumeRecord volume(long size, int snippetSize, int stripes) {
    VolumeRecord.Builder b = VolumeRecord.newBuilder().setName("v").setSize(size).setSnippetSize(snippetSize)
        .setPrimary("a").setCopies(2);
    for (int i = 0; i < stripes; i++) {
      b.addSnippets(SnippetPlacement.newBuilder().addNodes("a").addNodes("s" + i));
    }
    return b.build();
  }

  @Test
  void snippetsAreDealtRoundRobinOntoTheStripes() {
    VolumeRecord v = volume(10L * 4096 + 100, 4096, 4);   // 11 snippets, the last partial
    assertThat(Stripes.snippets(v)).isEqualTo(11);
    assertThat(Stripes.of(v, 0)).isZero();
    assertThat(Stripes.of(v, 9)).isEqualTo(1);
    assertThat(Stripes.at(v, 10).getNodes(1)).isEqualTo("s2");
    assertThat(Stripes.snippetsOf(v, 2).boxed().toList()).containsExactly(2L, 6L, 10L);
    assertThat(Stripes.snippetCount(v, 2)).isEqualTo(3);
    assertThat(Stripes.snippetCount(v, 3)).isEqualTo(2);
    assertThat(Stripes.bytesOf(v, 2)).as("the last snippet is partial").isEqualTo(2L * 4096 + 100);
    assertThat(Stripes.snippetsWhere(v, s -> s.getNodes(1).equals("s1"))).containsExactly(1L, 5L, 9L);
    assertThat(Stripes.stripesOf(v, List.of(9L, 1L, 6L))).containsExactly(1L, 2L);
  }

  @Test
  void aNewVolumeGetsAtMostMaxStripesAndASmallOneOnePerSnippet() {
    assertThat(Stripes.forSnippets(0)).isEqualTo(1);
    assertThat(Stripes.forSnippets(5)).isEqualTo(5);
    assertThat(Stripes.forSnippets(1L << 30)).isEqualTo(Stripes.MAX);
  }

  @Test
  void aRecordWithOneEntryPerSnippetReadsAsBefore() {
    VolumeRecord v = volume(6L * 4096, 4096, 6);
    for (long i = 0; i < 6; i++) {
      assertThat(Stripes.of(v, i)).isEqualTo((int) i);
    }
  }

  @Test
  void theStateMachineRefusesTooManyStripesAndPlacementAddedOnResize() {
    ClusterMetadata meta = new ClusterMetadata();
    MetaResult tooMany = apply(meta, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
        .setVolume(volume(1L << 40, 4 << 20, Stripes.MAX + 1))).build());
    assertThat(tooMany.getError()).isEqualTo("volume v is placed in 33 stripes; a volume of 262144 snippets has at "
        + "most 32");
    MetaResult moreThanSnippets = apply(meta, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
        .setVolume(volume(2 * 4096, 4096, 3))).build());
    assertThat(moreThanSnippets.getError()).endsWith("a volume of 2 snippets has at most 2");
    assertThat(meta.volume("v")).as("refusals change nothing").isEmpty();

    assertThat(apply(meta, MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder()
        .setVolume(volume(1L << 40, 4 << 20, Stripes.MAX))).build()).getError()).isEmpty();
    MetaResult added = apply(meta, MetaCommand.newBuilder().setResizeVolume(ResizeVolume.newBuilder().setName("v")
        .setSize(2L << 40).addAdded(SnippetPlacement.newBuilder().addNodes("a"))).build());
    assertThat(added.getError()).isEqualTo("growing volume v adds no placement: its new snippets fall on its 32 "
        + "stripes");
    assertThat(apply(meta, MetaCommand.newBuilder().setResizeVolume(ResizeVolume.newBuilder().setName("v")
        .setSize(2L << 40)).build()).getError()).isEmpty();
    assertThat(meta.volume("v").orElseThrow().getSnippetsCount()).isEqualTo(Stripes.MAX);
    assertThat(meta.volume("v").orElseThrow().getSize()).isEqualTo(2L << 40);
  }
}
