package org.snipblock.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.snipblock.node.admin.v1.CopyMoveStatus;

/** How a copy move under way reads in {@code cluster moves}, {@code cluster status} and {@code volume show}. */
class CopyMoveViewTest {
  private static final long STARTED = 1_796_622_937_474L;
  private static final CopyMoveStatus MOVE = CopyMoveStatus.newBuilder().setVolume("jl").setSnippet(3).setFrom("n2")
      .setTo("n4").setStartedEpochMillis(STARTED).setSnippets(4).build();

  @Test
  void eachStageOfAMoveReadsAsWhatIsLeft() {
    assertThat(CopyMoveView.of(MOVE).line(STARTED + 35_900)).isEqualTo("jl stripe 3 (4 snippets) n2 -> n4: waiting for "
        + "the primary's resync; since 2026-12-07T05:55:37Z (35 s)");
    CopyMoveView copying = CopyMoveView.of(MOVE.toBuilder().setProgressKnown(true).setSnippetsDone(1)
        .setSnippetsTotal(4).setBytesCopied(1 << 20).build());
    assertThat(copying.state()).isEqualTo("resync 1/4 snippets, 1 MiB sent");
    assertThat(copying.progress().snippetsTotal()).isEqualTo(4);
    assertThat(CopyMoveView.of(MOVE.toBuilder().setInSync(true).setSnippets(1).build()).line(STARTED))
        .isEqualTo("jl stripe 3 (1 snippet) n2 -> n4: in sync, switching; since 2026-12-07T05:55:37Z (0 s)");
    assertThat(CopyMoveView.of(MOVE).text()).as("a drain's progress line").isEqualTo("jl stripe 3 n2 -> n4");
    assertThat(CopyMoveView.of(MOVE).line(STARTED - 5000)).as("a clock behind the start").endsWith("(0 s)");
  }
}
