package org.snipblock.node.cli;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.v1.RebalanceProgress;
import org.snipblock.node.admin.v1.RebalanceRequest;
import org.snipblock.node.config.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "rebalance", mixinStandardHelpOptions = true,
    description = "Moves copies toward an even fill of the nodes in service (new capacity takes its share), "
        + "within each volume's placement rules, one at a time, showing progress.")
final class RebalanceCommand implements Callable<Integer> {
  @Mixin AdminOptions admin;
  @Spec CommandSpec spec;

  @Option(names = "--dry-run", description = "Show the plan; move nothing.")
  boolean dryRun;

  @Option(names = "--no-wait", description = "Start the moves and return; follow them with 'cluster rebalance --status'.")
  boolean noWait;

  @Option(names = "--status", description = "Show the last rebalance started on the asked node; start nothing.")
  boolean status;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.Span.class, defaultValue = "1h",
      description = "How long to wait for the moves to end (default 1h; they go on after that).")
  Duration timeout;

  record MoveView(String volume, int entry, String from, String to, long bytes, String state, String why) {}

  record NodeView(String node, long capacityBytes, long placedBytes, long plannedBytes) {}

  record View(String state, List<MoveView> moves, List<NodeView> nodes) {
    static View of(RebalanceProgress p) {
      return new View(p.getState(), p.getMovesList().stream().map(m -> new MoveView(m.getVolume(), m.getEntry(),
          m.getFrom(), m.getTo(), m.getBytes(), m.getState(), m.getWhy())).toList(),
          p.getNodesList().stream().map(n -> new NodeView(n.getNode(), n.getCapacityBytes(), n.getPlacedBytes(),
              n.getPlannedBytes())).toList());
    }

    long count(String moveState) {
      return moves.stream().filter(m -> m.state().equals(moveState)).count();
    }

    String line() {
      String moving = moves.stream().filter(m -> m.state().equals("MOVING")).map(RebalanceCommand::text)
          .findFirst().map(t -> "; moving " + t).orElse("");
      return String.format(Locale.ROOT, "rebalance %s: %d of %d moves done, %d skipped, %d failed%s",
          state.toLowerCase(Locale.ROOT), count("DONE"), moves.size(), count("SKIPPED"), count("FAILED"), moving);
    }
  }

  @Override
  public Integer call() {
    if (status && (dryRun || noWait)) {
      throw new ParameterException(spec.commandLine(),
          "--status shows the last rebalance: it takes neither --dry-run nor --no-wait");
    }
    Output out = new Output(spec.commandLine().getOut(), admin.json);
    RebalanceRequest req = RebalanceRequest.newBuilder().setDryRun(dryRun).build();
    RebalanceProgress p = admin.call(c -> status ? c.cluster().rebalanceStatus(req) : c.cluster().rebalance(req));
    View v = View.of(p);
    if (!out.isJson()) {
      printPlan(out, v);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = v.line();
    if (!out.isJson() && p.getState().equals("RUNNING")) {
      out.println(last);
    }
    while (!status && !noWait && p.getState().equals("RUNNING")) {
      if (System.nanoTime() > deadline) {
        throw new OperatorError("the rebalance has not ended after " + timeout.toSeconds() + " s (it goes on): "
            + last);
      }
      AskAgain.pause();
      p = admin.call(c -> c.cluster().rebalanceStatus(req));
      v = View.of(p);
      if (!out.isJson() && !v.line().equals(last)) {
        last = v.line();
        out.println(last);
      }
    }
    if (out.isJson()) {
      out.json(v);
      return 0;
    }
    v.moves().stream().filter(m -> m.state().equals("SKIPPED") || m.state().equals("FAILED"))
        .forEach(m -> out.println(m.state().toLowerCase(Locale.ROOT) + ": " + text(m) + ": " + m.why()));
    if (v.moves().isEmpty()) {
      out.println("the nodes in service are as evenly filled as the placement rules allow: nothing to move");
    } else if (dryRun) {
      out.println("dry run: nothing moved");
    } else if (p.getState().equals("DONE")) {
      out.println(String.format(Locale.ROOT, "rebalance done: %d moved, %d skipped, %d failed", v.count("DONE"),
          v.count("SKIPPED"), v.count("FAILED")));
    }
    return 0;
  }

  private static void printPlan(Output out, View v) {
    long bytes = v.moves().stream().mapToLong(MoveView::bytes).sum();
    out.println("plan: " + v.moves().size() + " move(s), " + ByteSize.format(bytes));
    String format = "%-16s %10s %10s %10s%n";
    out.println(String.format(Locale.ROOT, format, "NODE", "CAPACITY", "PLACED", "AFTER").stripTrailing());
    for (NodeView n : v.nodes()) {
      out.println(String.format(Locale.ROOT, format, n.node(), ByteSize.format(n.capacityBytes()),
          ByteSize.format(n.placedBytes()), ByteSize.format(n.plannedBytes())).stripTrailing());
    }
    v.moves().forEach(m -> out.println("  " + text(m)));
  }

  static String text(MoveView m) {
    return m.volume() + " entry " + m.entry() + " " + m.from() + " -> " + m.to() + " (" + ByteSize.format(m.bytes())
        + ")";
  }
}
