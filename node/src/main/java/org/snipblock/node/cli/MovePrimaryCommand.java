package org.snipblock.node.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.snipblock.node.admin.v1.MovePrimaryResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code volume move-primary NAME [--to NODE]}: a planned handover of a clustered volume's primary role. */
@Command(name = "move-primary", mixinStandardHelpOptions = true,
    description = "Hand a clustered volume's primary role to another node holding an in-sync copy; writes "
        + "running finish, writes arriving meanwhile wait and go to the new primary. Ask the volume's primary.")
final class MovePrimaryCommand extends VolumeCommand.Subcommand {
  @Parameters(index = "0", paramLabel = "NAME") String name;

  @Option(names = "--to", paramLabel = "NODE", description = "Node id of the new primary. Without it: the "
      + "reachable in-sync copy nearest the consumer the volume records (volume set NAME --consumer SITE).")
  String to;

  @Override
  public Integer call() {
    MovePrimaryResponse r = admin.call(c -> to == null ? c.movePrimaryToConsumer(name) : c.movePrimary(name, to));
    Output out = output();
    if (out.isJson()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("volume", r.getVolume());
      m.put("from", r.getFrom());
      m.put("to", r.getTo());
      m.put("epoch", r.getEpoch());
      m.put("pauseMillis", r.getPauseMillis());
      m.put("resyncing", r.getResyncingList());
      out.json(m);
    } else {
      out.println(String.format("volume %s: primary %s -> %s at epoch %d, writes paused %.1f ms%s", r.getVolume(),
          r.getFrom(), r.getTo(), r.getEpoch(), r.getPauseMillis(),
          r.getResyncingCount() == 0 ? "" : "; resyncing " + String.join(", ", r.getResyncingList())));
    }
    return 0;
  }
}
