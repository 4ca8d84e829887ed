package org.snipblock.node.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.snipblock.node.admin.v1.ClusterStatusResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "moves", mixinStandardHelpOptions = true,
    description = "Every copy on its way from one node to another in the cluster (drain, relocation, rebalance), with "
        + "how far the primary's resync of its target has got and since when it runs.")
final class MovesCommand implements Callable<Integer> {
  @Mixin AdminOptions admin;
  @Spec CommandSpec spec;

  record View(List<CopyMoveView> moving) {}

  @Override
  public Integer call() {
    ClusterStatusResponse s = admin.call(c -> c.clusterStatus());
    View v = new View(s.getMovingList().stream().map(CopyMoveView::of).toList());
    Output out = new Output(spec.commandLine().getOut(), admin.json);
    if (out.isJson()) {
      out.json(v);
    } else if (v.moving().isEmpty()) {
      out.println("no copy is moving");
    } else {
      long now = System.currentTimeMillis();
      v.moving().forEach(m -> out.println(m.line(now)));
    }
    return 0;
  }
}
