package org.snipblock.node.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.snipblock.node.admin.v1.ClusterStatusResponse;
import org.snipblock.node.admin.v1.NodeRequest;
import org.snipblock.node.config.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Inspect the cluster a node belongs to, and change its membership.",
    subcommands = {ClusterCommand.Status.class, ClusterCommand.RemoveNode.class, SimulateCommand.class,
        RebalanceCommand.class, MovesCommand.class, LinkFaultsCommand.class})
final class ClusterCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(),
        "missing command (status, remove-node, simulate, rebalance, moves, link-faults)");
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Every node with its location, state, capacity, used space and load, the copies moving "
          + "between nodes, each node's budget for background work, and the measured round-trip times between "
          + "nodes, as the asked node sees them.")
  static final class Status implements Callable<Integer> {
    @Mixin AdminOptions admin;
    @Spec CommandSpec spec;

    /** @param syncGroups the nodes in groups within {@code syncBoundMillis} (round trip) of each other */
    record View(String self, String leader, long term, boolean inMajority, List<NodeView> nodes,
        Map<String, Map<String, Double>> rttMillis, List<CopyMoveView> moving, double syncBoundMillis,
        List<List<String>> syncGroups, List<String> voters) {}

    /** @param background the node's budget for background work as it last reported it; null before its first report */
    record NodeView(String id, String location, String state, long capacityBytes, long usedBytes, double load,
        String member, String dataAddress, long reportedEpochMillis, int capacityThresholdPercent,
        long iopsThreshold, long latencyP99ThresholdMicros, double storeIops, long storeLatencyP99Micros,
        StatusCommand.Background background) {
      /** The thresholds set, as the config file gives them: "80%, 20000 iops, p99 20ms", or "-". */
      String thresholds() {
        List<String> set = new ArrayList<>();
        if (capacityThresholdPercent > 0) {
          set.add(capacityThresholdPercent + "%");
        }
        if (iopsThreshold > 0) {
          set.add(iopsThreshold + " iops");
        }
        if (latencyP99ThresholdMicros > 0) {
          set.add("p99 " + millis(latencyP99ThresholdMicros));
        }
        return set.isEmpty() ? "-" : String.join(", ", set);
      }
    }

    /** One line per node that reported its background budget (none before the first report). */
    static List<String> background(List<NodeView> nodes) {
      return nodes.stream().filter(n -> n.background() != null)
          .map(n -> String.format(Locale.ROOT, "  %-16s %s", n.id(), n.background().line())).toList();
    }

    static String millis(long micros) {
      return String.format(Locale.ROOT, micros < 10_000 ? "%.1fms" : "%.0fms", micros / 1000.0);
    }

    @Override
    public Integer call() {
      ClusterStatusResponse s = admin.call(c -> c.clusterStatus());
      Map<String, Map<String, Double>> rtt = new TreeMap<>();
      s.getRttList().forEach(r -> rtt.put(r.getFrom(), new TreeMap<>(r.getMillisToMap())));
      View v = new View(s.getSelf(), s.getLeader().isEmpty() ? null : s.getLeader(), s.getTerm(), s.getInMajority(),
          s.getNodesList().stream().map(n -> new NodeView(n.getId(), n.getLocation(), n.getState(),
              n.getCapacityBytes(), n.getUsedBytes(), n.getLoad(), n.getMember(), n.getDataAddress(),
              n.getReportedEpochMillis(), n.getCapacityThresholdPercent(), n.getIopsThreshold(),
              n.getLatencyP99ThresholdMicros(), n.getStoreIops(), n.getStoreLatencyP99Micros(),
              n.hasBackground() ? StatusCommand.Background.of(n.getBackground()) : null)).toList(), rtt,
          s.getMovingList().stream().map(CopyMoveView::of).toList(), s.getSyncBoundMillis(),
          s.getSyncGroupsList().stream().map(g -> List.copyOf(g.getNodesList())).toList(),
          List.copyOf(s.getVotersList()));
      Output out = new Output(spec.commandLine().getOut(), admin.json);
      if (out.isJson()) {
        out.json(v);
      } else {
        print(out, v);
      }
      return 0;
    }

    private static void print(Output out, View v) {
      out.println("asked node:  " + v.self() + (v.inMajority() ? "" : " (NOT in a majority: metadata read-only)"));
      out.println("leader:      " + (v.leader() == null ? "none known" : v.leader()) + " (term " + v.term() + ")");
      if (!v.voters().isEmpty()) {
        out.println("voters:      " + String.join(" ", v.voters()));
      }
      out.println("");
      String format = "%-16s %-32s %-8s %10s %10s %6s %7s %8s  %s%n";
      out.println(String.format(Locale.ROOT, format, "NODE", "LOCATION", "STATE", "CAPACITY", "USED", "LOAD",
          "IOPS", "P99", "THRESHOLDS").stripTrailing());
      for (NodeView n : v.nodes()) {
        out.println(String.format(Locale.ROOT, format, n.id(), n.location(), n.state(),
            ByteSize.format(n.capacityBytes()), ByteSize.format(n.usedBytes()),
            String.format(Locale.ROOT, "%.2f", n.load()), String.format(Locale.ROOT, "%.0f", n.storeIops()),
            n.storeLatencyP99Micros() == 0 ? "-" : millis(n.storeLatencyP99Micros()), n.thresholds()).stripTrailing());
      }
      List<String> background = background(v.nodes());
      if (!background.isEmpty()) {
        out.println("");
        out.println("background work (each node's budget, as it last reported it):");
        background.forEach(out::println);
      }
      if (!v.moving().isEmpty()) {
        out.println("");
        out.println("moving:");
        long now = System.currentTimeMillis();
        v.moving().forEach(m -> out.println("  " + m.line(now)));
      }
      if (!v.syncGroups().isEmpty()) {
        out.println("");
        out.println(String.format(Locale.ROOT, "within the sync bound (%.1f ms round trip) of each other: %s",
            v.syncBoundMillis(), String.join(" | ", v.syncGroups().stream().map(g -> String.join(" ", g)).toList())));
      }
      TreeSet<String> ids = new TreeSet<>(v.rttMillis().keySet());
      v.rttMillis().values().forEach(row -> ids.addAll(row.keySet()));
      if (ids.isEmpty()) {
        return;
      }
      out.println("");
      out.println("round trips (ms), from row to column:");
      List<String> columns = new ArrayList<>(ids);
      StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-16s", ""));
      columns.forEach(c -> header.append(String.format(Locale.ROOT, " %10s", c)));
      out.println(header.toString().stripTrailing());
      for (String from : columns) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-16s", from));
        Map<String, Double> to = v.rttMillis().getOrDefault(from, Map.of());
        for (String c : columns) {
          Double ms = to.get(c);
          row.append(String.format(Locale.ROOT, " %10s", c.equals(from) ? "-"
              : ms == null ? "?" : String.format(Locale.ROOT, "%.2f", ms)));
        }
        out.println(row.toString());
      }
    }
  }

  @Command(name = "remove-node", mixinStandardHelpOptions = true,
      description = "Forgets a drained or stopped node for good and takes it out of the metadata voters; its "
          + "restart is refused. Refused while it still holds copies.")
  static final class RemoveNode implements Callable<Integer> {
    @Mixin AdminOptions admin;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The node to remove.")
    String id;

    @Override
    public Integer call() {
      admin.call(c -> c.cluster().removeNode(NodeRequest.newBuilder().setId(id).build()));
      new Output(spec.commandLine().getOut(), admin.json).println("node " + id + " removed from the cluster");
      return 0;
    }
  }
}
