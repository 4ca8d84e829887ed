package org.snipblock.node.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "volume", mixinStandardHelpOptions = true,
    description = "Manage the volumes of a running node through its admin API.",
    subcommands = {
        VolumeCreateCommand.class, VolumeCommand.ListVolumes.class, VolumeCommand.Show.class,
        VolumeCommand.Resize.class, VolumeCommand.Delete.class, VolumeSetCommand.class,
        VolumeCommand.Verify.class, MovePrimaryCommand.class, CatchUpCommand.class, MigrateCommand.class, SnapshotCommands.Take.class, SnapshotCommands.ListSnapshots.class,
        SnapshotCommands.Delete.class, SnapshotCommands.Rollback.class, SnapshotCommands.Clone.class,
        SnapshotCommands.Diff.class, SnapshotCommands.Flatten.class, BackupCommands.Export.class,
        BackupCommands.Import.class, AccessCommand.class, ChapCommand.class})
final class VolumeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command (create, list, show, resize, delete, set, "
        + "snapshot, snapshots, snapshot-delete, rollback, clone, flatten, diff, export or import), or 'verify', "
        + "'move-primary', 'catch-up', 'migrate', 'access' or 'chap' for a clustered volume");
  }

  /** What every volume subcommand shares: how to reach the node and how to print. */
  abstract static class Subcommand implements Callable<Integer> {
    @Mixin AdminOptions admin;
    @Spec CommandSpec spec;

    Output output() {
      return new Output(spec.commandLine().getOut(), admin.json);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the volumes.")
  static final class ListVolumes extends Subcommand {
    @Override
    public Integer call() {
      output().volumes(admin.call(c -> c.list()).stream().map(VolumeView::of).toList());
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Show one volume: provisioned vs used bytes, geometry, I/O.")
  static final class Show extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      VolumeView v = VolumeView.of(admin.call(c -> c.show(name)));
      output().volume(admin.call(c -> QosOption.shown(c, name)).map(v::withQos).orElse(v));
      return 0;
    }
  }

  @Command(name = "resize", mixinStandardHelpOptions = true, description = "Grow a volume online.")
  static final class Resize extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1", paramLabel = "SIZE", converter = Converters.Size.class,
        description = "The new size: 20G, 1T or bytes. Shrinking is refused.")
    long size;

    @Override
    public Integer call() {
      output().volume(VolumeView.of(admin.call(c -> c.resize(name, size))));
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Compare the CRC32C chunk digests of every copy of a clustered volume with its primary's; "
          + "ask the volume's primary. Exit status 1 when copies differ. Ctrl-C stops only the waiting: the "
          + "verify (or scrub) goes on on the primary.")
  static final class Verify extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Option(names = "--repair",
        description = "Also overwrite bad or differing chunks from a good copy (what the periodic scrub does).")
    boolean repair;

    @Override
    public Integer call() {
      Output out = output();
      Progress progress = new Progress(spec.commandLine().getErr(), (repair ? "scrub " : "verify ") + name, out.isJson());
      VerifyView report;
      try (CtrlC ctrlC = CtrlC.leavesRunning(spec.commandLine().getErr(), "the " + (repair ? "scrub" : "verify")
          + " of " + name + " goes on on its primary (volume show " + name + ")")) {
        report = VerifyView.of(admin.call(c -> VerifyProgress.await(c, name, repair, progress)));
      }
      out.verify(report);
      return report.clean() ? 0 : org.snipblock.node.cli.Main.EXIT_FAILURE;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a volume and all its data.")
  static final class Delete extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      admin.call(c -> {
        c.delete(name);
        return null;
      });
      Output out = output();
      if (out.isJson()) {
        out.json(Map.of("deleted", name));
      } else {
        out.println("deleted volume " + name);
      }
      return 0;
    }
  }
}
