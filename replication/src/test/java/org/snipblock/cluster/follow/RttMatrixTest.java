package org.snipblock.cluster.follow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

class RttMatrixTest {
  // n1 and n2 near each other, n3 across a 20 ms link; n4 never measured.
  private final RttMatrix rtt = new RttMatrix(Map.of(
      "n1", Map.of("n2", 0.4, "n3", 20.5),
      "n2", Map.of("n1", 0.6, "n3", 21.0),
      "n3", Map.of("n1", 20.1)));

  @Test
  void betweenTakesTheSlowerDirection() {
    assertThat(rtt.between("n1", "n2")).isEqualTo(0.6);
    assertThat(rtt.between("n3", "n2")).isEqualTo(21.0);
    assertThat(rtt.between("n1", "n1")).isZero();
    assertThat(rtt.between("n1", "n4")).isNaN();
  }

  @Test
  void syncGroupsAreTheNodesNearEachOther() {
    assertThat(rtt.syncGroups(List.of("n3", "n2", "n1", "n4"), 5)).containsExactly(
        List.of("n1", "n2"), List.of("n3"), List.of("n4"));
    assertThat(rtt.syncGroups(List.of("n1", "n2", "n3"), 25)).containsExactly(List.of("n1", "n2", "n3"));
  }

  @Test
  void aVolumesResponseTimeIsItsSlowestLinkBetweenHoldersOfASnippet() {
    VolumeRecord near = volume("sync", List.of("n1", "n2"), List.of("n2", "n1"));
    assertThat(rtt.reach(near).millis()).isEqualTo(0.6);
    assertThat(rtt.syncOverSlowLink(near, 5)).isFalse();
    VolumeRecord far = volume("sync", List.of("n1", "n2"), List.of("n1", "n3"));
    RttMatrix.Reach reach = rtt.reach(far);
    assertThat(reach.millis()).isEqualTo(20.5);
    assertThat(List.of(reach.from(), reach.to())).containsExactly("n1", "n3");
    assertThat(rtt.syncOverSlowLink(far, 5)).isTrue();
    assertThat(rtt.syncOverSlowLink(volume("async", List.of("n1", "n3")), 5)).as("async is not flagged").isFalse();
    assertThat(rtt.reach(volume("sync", List.of("n1", "n4"))).measured()).isFalse();
    assertThat(rtt.reach(volume("sync", List.of("n1"))).millis()).isZero();
  }

  @SafeVarargs
  private static VolumeRecord volume(String mode, List<String>... snippets) {
    VolumeRecord.Builder b = VolumeRecord.newBuilder().setName("v").setMode(mode);
    for (List<String> s : snippets) {
      b.addSnippets(SnippetPlacement.newBuilder().addAllNodes(s));
    }
    return b.build();
  }
}
