package org.snipblock.node.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.snipblock.node.admin.v1.LinkFaultsState;
import org.snipblock.node.admin.v1.SetLinkFaultsRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "link-faults", mixinStandardHelpOptions = true,
    description = "TESTS ONLY (config cluster.sites.link-faults: true): replaces the faults on the asked node's "
        + "links to other nodes. A partition is set on every node of both sides. Without options it heals them.")
final class LinkFaultsCommand implements Callable<Integer> {
  @Mixin AdminOptions admin;
  @Spec CommandSpec spec;

  @Option(names = "--cut", paramLabel = "ID", split = ",",
      description = "Node(s) the links to are cut: no replication, door forwarding or cluster messages either way.")
  List<String> cut = List.of();

  @Option(names = "--slow", paramLabel = "ID", split = ",",
      description = "Node(s) the links to are slowed by --delay (each message to them, each cluster message from them).")
  List<String> slow = List.of();

  @Option(names = "--delay", paramLabel = "DURATION", converter = Converters.Span.class,
      description = "The delay of the slowed links, up to 1s.")
  Duration delay;

  record View(String node, List<String> cut, List<String> slow, long delayMillis) {}

  @Override
  public Integer call() {
    if (slow.isEmpty() != (delay == null)) {
      throw new ParameterException(spec.commandLine(), "--slow and --delay go together");
    }
    if (delay != null && (delay.isZero() || delay.isNegative() || delay.compareTo(Duration.ofSeconds(1)) > 0)) {
      throw new ParameterException(spec.commandLine(), "invalid --delay " + delay.toMillis() + "ms: expected 1ms..1s");
    }
    LinkFaultsState s = admin.call(c -> c.linkFaults().setLinkFaults(SetLinkFaultsRequest.newBuilder()
        .addAllCut(cut).addAllSlow(slow).setDelayMillis(delay == null ? 0 : (int) delay.toMillis()).build()));
    View v = new View(s.getNode(), s.getCutList(), s.getSlowList(), s.getDelayMillis());
    Output out = new Output(spec.commandLine().getOut(), admin.json);
    if (out.isJson()) {
      out.json(v);
    } else if (v.cut().isEmpty() && v.slow().isEmpty()) {
      out.println(v.node() + ": no link faults");
    } else {
      List<String> faults = new java.util.ArrayList<>();
      if (!v.cut().isEmpty()) {
        faults.add("links cut to " + String.join(" ", v.cut()));
      }
      if (!v.slow().isEmpty()) {
        faults.add("links slowed by " + v.delayMillis() + "ms to " + String.join(" ", v.slow()));
      }
      out.println(v.node() + ": " + String.join("; ", faults));
    }
    return 0;
  }
}
