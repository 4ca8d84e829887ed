package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.accepted;
import static org.snipblock.cluster.meta.ClusterMetadataRecordsTest.refusal;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.CreateVolume;
import org.snipblock.cluster.proto.MarkStale;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.MoveCopy;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.proto.RemoveNode;
import org.snipblock.cluster.proto.ReplaceCopies;
import org.snipblock.cluster.proto.SetNodeState;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

/** The state machine's guards of a copy move and of taking a node out: a copy leaves only once its new home is in sync. */
class CopyMovesTest {
  private final ClusterMetadata meta = new ClusterMetadata();

  @BeforeEach
  void volume() {
    for (String n : new String[] {"a", "b", "c", "d"}) {
      ok(MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(NodeRecord.newBuilder().setId(n)
          .setMember(n + ":1"))).build());
    }
    ok(MetaCommand.newBuilder().setCreateVolume(CreateVolume.newBuilder().setVolume(VolumeRecord.newBuilder()
        .setName("v").setPrimary("a").setCopies(2).addSnippets(SnippetPlacement.newBuilder().addNodes("a").addNodes("b"))
        .addSnippets(SnippetPlacement.newBuilder().addNodes("a").addNodes("c")))).build());
  }

  @Test
  void aCopyLeavesOnlyOnceItsNewHomeIsInSync() {
    VolumeRecord begun = ok(move("b", "d", MoveCopy.Step.BEGIN)).getVolume();
    assertThat(begun.getSnippets(0).getNodesList()).containsExactly("a", "b", "d");
    assertThat(begun.getSnippets(0).getStaleList()).containsExactly("d");
    assertThat(begun.getMovingList()).hasSize(1);
    assertThat(ok(move("b", "d", MoveCopy.Step.BEGIN)).getVolume()).as("begin again: nothing new").isEqualTo(begun);

    assertThat(refused(move("b", "d", MoveCopy.Step.FINISH)))
        .isEqualTo("moving stripe 0 of v from b to d: the copy on d is not in sync yet; b keeps its copy until it is");
    ok(MetaCommand.newBuilder().setMarkStale(MarkStale.newBuilder().setName("v").setEpoch(1).setNode("d")
        .setStale(false)).build());
    VolumeRecord done = ok(move("b", "d", MoveCopy.Step.FINISH)).getVolume();
    assertThat(done.getSnippets(0).getNodesList()).containsExactly("a", "d");
    assertThat(done.getSnippets(0).getStaleList()).isEmpty();
    assertThat(done.getMovingList()).isEmpty();
  }

  @Test
  void refusesMovesThatWouldBreakTheRecord() {
    assertThat(refused(move("c", "d", MoveCopy.Step.BEGIN))).isEqualTo("moving stripe 0 of v from c to d: c holds no "
        + "copy of it");
    assertThat(refused(move("b", "a", MoveCopy.Step.BEGIN))).endsWith("a already holds a copy of it");
    assertThat(refused(move("b", "x", MoveCopy.Step.BEGIN))).isEqualTo("unknown node x");
    // The primary's copy moves only after a handover.
    ok(move("a", "d", MoveCopy.Step.BEGIN));
    ok(MetaCommand.newBuilder().setMarkStale(MarkStale.newBuilder().setName("v").setEpoch(1).setNode("d")
        .setStale(false)).build());
    assertThat(refused(move("a", "d", MoveCopy.Step.FINISH))).endsWith("a is the volume's primary; hand the primary "
        + "over first");
    VolumeRecord aborted = ok(move("a", "d", MoveCopy.Step.ABORT)).getVolume();
    assertThat(aborted.getSnippets(0).getNodesList()).containsExactly("a", "b");
    assertThat(aborted.getMovingList()).isEmpty();
  }

  @Test
  void aNodeThatHoldsCopiesIsNeitherDrainedNorRemoved() {
    assertThat(refused(MetaCommand.newBuilder().setRemoveNode(RemoveNode.newBuilder().setId("b")).build()))
        .isEqualTo("node b still holds 1 stripe copy of v; drain it first (node drain b)");
    assertThat(refused(MetaCommand.newBuilder().setSetNodeState(SetNodeState.newBuilder().setId("a")
        .setDrainState("DRAINED")).build())).isEqualTo("node a is still the primary of v; drain it first (node drain a)");
    assertThat(refused(MetaCommand.newBuilder().setSetNodeState(SetNodeState.newBuilder().setId("a")
        .setDrainState("GONE")).build())).isEqualTo("unknown node state 'GONE': expected DRAINING, DRAINED or none");
    ok(MetaCommand.newBuilder().setSetNodeState(SetNodeState.newBuilder().setId("b").setDrainState("DRAINING")).build());
    // A restart registers again; the drain stays.
    ok(MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(NodeRecord.newBuilder().setId("b")
        .setMember("b:1"))).build());
    assertThat(meta.node("b").orElseThrow().getDrainState()).isEqualTo("DRAINING");
    ok(MetaCommand.newBuilder().setRemoveNode(RemoveNode.newBuilder().setId("d")).build());
    assertThat(meta.node("d")).isEmpty();
  }

  /**
   * A move whose source or target is re-replicated away (it died mid-move) ends with it: nothing
   * would finish it, and it would show as moving forever. The target kept stays a stale holder,
   * brought in sync as any new copy; once its node holds nothing, it can be removed.
   */
  @Test
  void aMoveEndsWhenItsSourceOrTargetNoLongerHoldsTheStripe() {
    ok(move("b", "d", MoveCopy.Step.BEGIN));
    VolumeRecord sourceGone = ok(MetaCommand.newBuilder().setReplaceCopies(ReplaceCopies.newBuilder().setName("v")
        .setSnippet(0).addNodes("a").addNodes("d")).build()).getVolume();
    assertThat(sourceGone.getMovingList()).isEmpty();
    assertThat(sourceGone.getSnippets(0).getNodesList()).containsExactly("a", "d");
    assertThat(sourceGone.getSnippets(0).getStaleList()).as("d still to be brought in sync").containsExactly("d");

    ok(MetaCommand.newBuilder().setMoveCopy(MoveCopy.newBuilder().setName("v").setSnippet(1).setFrom("c").setTo("b")
        .setStep(MoveCopy.Step.BEGIN)).build());
    VolumeRecord targetGone = ok(MetaCommand.newBuilder().setReplaceCopies(ReplaceCopies.newBuilder().setName("v")
        .setSnippet(1).addNodes("a").addNodes("c")).build()).getVolume();
    assertThat(targetGone.getMovingList()).isEmpty();
    assertThat(targetGone.getSnippets(1).getNodesList()).containsExactly("a", "c");
    ok(MetaCommand.newBuilder().setRemoveNode(RemoveNode.newBuilder().setId("b")).build());
    assertThat(meta.volume("v").orElseThrow().getMovingList()).isEmpty();
  }

  /**
   * A move whose target is gone goes on to another node in one step: the old target (stale, never
   * counted) leaves, the new one is the stale holder, the source keeps its copy; asked again it
   * changes nothing; a move not under way or a new target already holding the stripe is refused.
   */
  @Test
  void aMoveIsRetargetedInOneStepAndTheSourceKeepsItsCopy() {
    ok(move("b", "d", MoveCopy.Step.BEGIN));
    VolumeRecord retargeted = ok(retarget("b", "d", "c")).getVolume();
    assertThat(retargeted.getSnippets(0).getNodesList()).containsExactly("a", "b", "c");
    assertThat(retargeted.getSnippets(0).getStaleList()).containsExactly("c");
    assertThat(retargeted.getMovingList()).singleElement()
        .satisfies(m -> assertThat(m.getFrom() + ">" + m.getTo() + "@" + m.getStartedMillis()).isEqualTo("b>c@77"));
    assertThat(ok(retarget("b", "d", "c")).getVolume()).as("asked again: nothing new").isEqualTo(retargeted);

    assertThat(refused(retarget("b", "d", "a"))).isEqualTo("moving stripe 0 of v from b to d is not under way");
    ok(move("b", "c", MoveCopy.Step.ABORT));
    ok(move("b", "d", MoveCopy.Step.BEGIN));
    assertThat(refused(retarget("b", "d", "a"))).isEqualTo("moving stripe 0 of v from b: a already holds a copy of it");
    assertThat(refused(retarget("b", "d", "x"))).isEqualTo("unknown node x");
    assertThat(meta.volume("v").orElseThrow().getSnippets(0).getNodesList()).as("nothing changed by the refusals")
        .containsExactly("a", "b", "d");
  }

  private static MetaCommand retarget(String from, String to, String newTo) {
    return MetaCommand.newBuilder().setRetargetMove(org.snipblock.cluster.proto.RetargetMove.newBuilder().setName("v")
        .setSnippet(0).setFrom(from).setTo(to).setNewTo(newTo).setStartedMillis(77)).build();
  }

  private static MetaCommand move(String from, String to, MoveCopy.Step step) {
    return MetaCommand.newBuilder().setMoveCopy(MoveCopy.newBuilder().setName("v").setSnippet(0).setFrom(from).setTo(to)
        .setStep(step)).build();
  }

  private MetaResult ok(MetaCommand c) {
    return accepted(meta, c);
  }

  private String refused(MetaCommand c) {
    return refusal(meta, c);
  }
}
