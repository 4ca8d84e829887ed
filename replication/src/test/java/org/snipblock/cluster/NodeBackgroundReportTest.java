package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.snipblock.cluster.meta.ClusterMetadata;
import org.snipblock.cluster.proto.MetaCommand;
import org.snipblock.cluster.proto.MetaResult;
import org.snipblock.cluster.proto.NodeRecord;
import org.snipblock.cluster.proto.RegisterNode;
import org.snipblock.cluster.proto.ReportUsage;
import org.snipblock.store.qos.BackgroundBudget;

/** Each node's background budget travels with its usage report into its node record, for {@code cluster status}. */
class NodeBackgroundReportTest {
  private static final BackgroundBudget.State BUSY = new BackgroundBudget.State(12 << 20, 10 << 20, 100 << 20, true,
      true, 1, 5L << 30);
  private final ClusterMetadata meta = new ClusterMetadata();

  @Test
  void theLastUsageReportSetsTheNodesBackgroundState() throws Exception {
    assertThat(apply(MetaCommand.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNode(
        NodeRecord.newBuilder().setId("n1").setMember("h:1").setLocation("a/b/c/d"))).build()).getOk()).isTrue();
    assertThat(meta.node("n1").orElseThrow().hasBackground()).as("before the first report").isFalse();

    assertThat(apply(report("n1", true)).getOk()).isTrue();
    NodeRecord n = meta.node("n1").orElseThrow();
    assertThat(StatusView.background(n.getBackground())).isEqualTo(BUSY);
    assertThat(n.getUsedBytes()).as("the rest of the report too").isEqualTo(7);

    assertThat(apply(report("n1", false)).getOk()).isTrue();
    assertThat(meta.node("n1").orElseThrow().hasBackground()).as("a report without one (an older node) clears it")
        .isFalse();
  }

  @Test
  void aReportOfAnUnknownNodeChangesNothing() throws Exception {
    MetaResult r = apply(report("n9", true));
    assertThat(r.getOk()).isFalse();
    assertThat(r.getError()).isEqualTo("unknown node n9");
    assertThat(meta.nodes()).isEmpty();
  }

  private static MetaCommand report(String id, boolean background) {
    ReportUsage.Builder u = ReportUsage.newBuilder().setId(id).setCapacityBytes(1 << 30).setUsedBytes(7);
    if (background) {
      u.setBackground(NodeReports.background(BUSY));
    }
    return MetaCommand.newBuilder().setReportUsage(u).build();
  }

  private MetaResult apply(MetaCommand c) throws Exception {
    byte[] b = c.toByteArray();
    return MetaResult.parseFrom(meta.apply(b, 0, b.length, true));
  }
}
