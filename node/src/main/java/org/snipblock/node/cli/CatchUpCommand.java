package org.snipblock.node.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code volume catch-up NAME [--stop]}: storage ballooning while a clustered volume's copies catch up. */
@Command(name = "catch-up", mixinStandardHelpOptions = true,
    description = "Let a clustered volume's copies catch up: while its writes outrun replication so the lag "
        + "does not shrink, its primary throttles them (never below cluster.sites.balloon-floor) until the lag "
        + "is within cluster.sites.auto-sync-lag; then the throttle is released and the catch-up ends by itself.")
final class CatchUpCommand extends VolumeCommand.Subcommand {
  @Parameters(index = "0", paramLabel = "NAME") String name;

  @Option(names = "--stop", description = "End the catch-up now and release the throttle.")
  boolean stop;

  @Override
  public Integer call() {
    admin.call(c -> {
      c.catchUp(name, !stop);
      return null;
    });
    output().volume(VolumeView.of(admin.call(c -> c.show(name))));
    return 0;
  }
}
