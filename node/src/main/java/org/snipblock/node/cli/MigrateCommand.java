package org.snipblock.node.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.snipblock.node.admin.v1.MigrateVolumeResponse;
import org.snipblock.node.admin.v1.MovePrimaryResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code volume migrate NAME --to-site SITE}: move a clustered volume into a site where it has a full copy. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
    description = "Move a clustered volume into a site where it already has a copy of every snippet: record the "
        + "site as its consumer, let it catch up (writes throttled while the lag does not shrink), switch it to "
        + "sync, and hand its primary to the copy there. Ask the volume's primary.")
final class MigrateCommand extends VolumeCommand.Subcommand {
  @Parameters(index = "0", paramLabel = "NAME") String name;

  @Option(names = "--to-site", required = true, paramLabel = "SITE", description = "The site to move into.")
  String site;

  @Option(names = "--catch-up-timeout", paramLabel = "SECONDS", defaultValue = "600",
      description = "How long the catch-up may take before the migration gives up (default 600).")
  int catchUpSeconds;

  @Override
  public Integer call() {
    if (catchUpSeconds < 1 || catchUpSeconds > 86400) {
      throw new ParameterException(spec.commandLine(), "invalid --catch-up-timeout " + catchUpSeconds
          + ": must be 1..86400 seconds");
    }
    MigrateVolumeResponse r = admin.call(c -> c.migrate(name, site, catchUpSeconds));
    MovePrimaryResponse h = r.getHandover();
    Output out = output();
    if (out.isJson()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("volume", h.getVolume());
      m.put("steps", r.getStepsList());
      m.put("from", h.getFrom());
      m.put("to", h.getTo());
      m.put("epoch", h.getEpoch());
      m.put("pauseMillis", h.getPauseMillis());
      out.json(m);
    } else {
      out.println("volume " + h.getVolume() + " migrated to site " + site + ":");
      r.getStepsList().forEach(s -> out.println("  " + s));
    }
    return 0;
  }
}
