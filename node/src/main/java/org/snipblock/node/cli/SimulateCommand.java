package org.snipblock.node.cli;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.snipblock.node.admin.v1.SimulateRequest;
import org.snipblock.node.admin.v1.SimulateResponse;
import org.snipblock.node.admin.v1.SimulatedVolume;
import org.snipblock.node.config.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "What would happen if a node, rack, compartment or site failed now: which volumes become "
        + "unavailable, which lose redundancy, how many bytes would be re-replicated and whether the rest has room. "
        + "Changes nothing.")
final class SimulateCommand implements Callable<Integer> {
  @Mixin AdminOptions admin;
  @Spec CommandSpec spec;

  @Option(names = "--fail", arity = "2", required = true, paramLabel = "LEVEL NAME",
      description = "node ID | rack R | compartment C | site S")
  List<String> fail;

  record VolumeFate(String name, int copiesLeft, int minCopies, int copies, boolean primaryLost) {
    static VolumeFate of(SimulatedVolume v) {
      return new VolumeFate(v.getName(), v.getCopiesLeft(), v.getMinCopies(), v.getCopies(), v.getPrimaryLost());
    }

    String text() {
      return name + ": " + copiesLeft + " of " + copies + " copies left (min " + minCopies + ")"
          + (primaryLost ? ", primary lost" : "");
    }
  }

  record Report(String level, String name, List<String> failedNodes, List<VolumeFate> unavailable,
      List<VolumeFate> degraded, long bytesToRereplicate, long freeBytesLeft, boolean capacitySuffices,
      List<String> shortfalls) {}

  @Override
  public Integer call() {
    String level = fail.get(0).toLowerCase(Locale.ROOT);
    if (!List.of("node", "rack", "compartment", "site").contains(level)) {
      throw new ParameterException(spec.commandLine(), "invalid --fail " + fail.get(0)
          + ": expected node ID | rack R | compartment C | site S");
    }
    SimulateResponse r = admin.call(c -> c.cluster().simulate(SimulateRequest.newBuilder().setLevel(level)
        .setName(fail.get(1)).build()));
    Report report = new Report(r.getLevel(), r.getName(), r.getFailedNodesList(),
        r.getUnavailableList().stream().map(VolumeFate::of).toList(),
        r.getDegradedList().stream().map(VolumeFate::of).toList(), r.getBytesToRereplicate(), r.getFreeBytesLeft(),
        r.getCapacitySuffices(), r.getShortfallsList());
    Output out = new Output(spec.commandLine().getOut(), admin.json);
    if (out.isJson()) {
      out.json(report);
      return 0;
    }
    out.println("if " + level + " " + r.getName() + " failed (nodes " + String.join(", ", r.getFailedNodesList())
        + "):");
    out.println(("unavailable:     " + (report.unavailable().isEmpty() ? "none" : "")).stripTrailing());
    report.unavailable().forEach(v -> out.println("  " + v.text()));
    out.println(("lose redundancy: " + (report.degraded().isEmpty() ? "none" : "")).stripTrailing());
    report.degraded().forEach(v -> out.println("  " + v.text()));
    out.println("re-replication:  " + ByteSize.format(r.getBytesToRereplicate()) + " (" + r.getBytesToRereplicate()
        + " bytes) onto " + ByteSize.format(r.getFreeBytesLeft()) + " free");
    out.println("capacity:        " + (r.getCapacitySuffices() ? "suffices" : "does NOT suffice"));
    r.getShortfallsList().forEach(s -> out.println("  " + s));
    return 0;
  }
}
