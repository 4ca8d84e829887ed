package org.snipblock.node.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.v1.DrainProgress;
import org.snipblock.node.admin.v1.NodeRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Take a cluster node out of service and back.",
    subcommands = {NodeCommand.Drain.class, NodeCommand.Undrain.class})
final class NodeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command (drain, undrain)");
  }

  /** What a drain's progress looks like to scripts. */
  record ProgressView(String node, String state, int primaries, int copies, List<CopyMoveView> moving) {
    static ProgressView of(DrainProgress p) {
      return new ProgressView(p.getNode(), p.getState(), p.getPrimaries(), p.getCopies(),
          p.getMovingList().stream().map(CopyMoveView::of).toList());
    }

    String line() {
      StringBuilder b = new StringBuilder(node + ": " + state + ", serves " + primaries + " volume(s) as primary, holds "
          + copies + (copies == 1 ? " stripe copy" : " stripe copies"));
      if (!moving.isEmpty()) {
        b.append("; moving ");
        b.append(String.join(", ", moving.stream().map(CopyMoveView::text).toList()));
      }
      return b.toString();
    }
  }

  @Command(name = "drain", mixinStandardHelpOptions = true,
      description = "Moves every primary and every copy off the node while clients keep working, showing progress, "
          + "and tells when the node holds nothing and is safe to stop. Refused when the other nodes cannot hold "
          + "its copies under the volumes' policies. Ctrl-C stops only the waiting: the drain goes on (undrain "
          + "stops it).")
  static final class Drain implements Callable<Integer> {
    @Mixin AdminOptions admin;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The node to drain.")
    String id;

    @Option(names = "--no-wait", description = "Start the drain and return; follow it with 'cluster status'.")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.Span.class, defaultValue = "1h",
        description = "How long to wait for the drain to finish (default 1h; it goes on after that).")
    Duration timeout;

    @Override
    public Integer call() {
      Output out = new Output(spec.commandLine().getOut(), admin.json);
      NodeRequest req = NodeRequest.newBuilder().setId(id).build();
      DrainProgress p = admin.call(c -> c.cluster().drainNode(req));
      String last = ProgressView.of(p).line();
      if (!out.isJson()) {
        out.println(last);
      }
      // Copies moved of those held when this command began: the node holds fewer as each move ends.
      int heldAtStart = p.getCopies();
      Progress progress = Progress.counting(spec.commandLine().getErr(), "drain " + id, out.isJson(), "copies",
          Duration.ZERO);
      long deadline = System.nanoTime() + timeout.toNanos();
      try (CtrlC ctrlC = noWait ? null : CtrlC.leavesRunning(spec.commandLine().getErr(), "the drain of " + id
          + " goes on on the nodes (follow it with 'cluster status' or 'node drain " + id + "' again)")) {
        while (!noWait && !p.getState().equals("DRAINED")) {
          if (heldAtStart > 0) {
            progress.update(Math.max(0, heldAtStart - p.getCopies()), heldAtStart, 0);
          }
          if (System.nanoTime() > deadline) {
            throw new OperatorError("node " + id + " is not drained after " + timeout.toSeconds() + " s (it goes on): "
                + ProgressView.of(p).line());
          }
          AskAgain.pause();
          p = admin.call(c -> c.cluster().drainStatus(req));
          String line = ProgressView.of(p).line();
          if (!out.isJson() && !line.equals(last)) {
            progress.clear();
            out.println(line);
            last = line;
          }
          if (p.getState().equals("UP")) {
            throw new OperatorError("node " + id + " was undrained before it was empty");
          }
        }
        if (!noWait && heldAtStart > 0) {
          progress.update(heldAtStart, heldAtStart, 0);
        }
      } finally {
        progress.finish();
      }
      if (out.isJson()) {
        out.json(ProgressView.of(p));
      } else if (p.getState().equals("DRAINED")) {
        out.println("node " + id + " holds nothing and serves no volume: safe to stop; then "
            + "'snipblock cluster remove-node " + id + "' forgets it");
      }
      return 0;
    }
  }

  @Command(name = "undrain", mixinStandardHelpOptions = true,
      description = "Puts a draining or drained node back in service: it receives copies again.")
  static final class Undrain implements Callable<Integer> {
    @Mixin AdminOptions admin;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The node.")
    String id;

    @Override
    public Integer call() {
      Output out = new Output(spec.commandLine().getOut(), admin.json);
      DrainProgress p = admin.call(c -> c.cluster().undrainNode(NodeRequest.newBuilder().setId(id).build()));
      if (out.isJson()) {
        out.json(ProgressView.of(p));
      } else {
        out.println(ProgressView.of(p).line());
      }
      return 0;
    }
  }
}
