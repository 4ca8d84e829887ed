package org.snipblock.node.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snipblock.node.admin.v1.DiffVolumeResponse;
import org.snipblock.node.admin.v1.Snapshot;
import org.snipblock.node.config.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** The {@code volume} subcommands for snapshots, clones, rollback and changed-block tracking. */
final class SnapshotCommands {
  private SnapshotCommands() {}

  /** A snapshot as the CLI prints it. */
  record SnapshotView(String volume, String name, String created, long storedBytes, long exclusiveBytes,
      long sharedBytes, List<String> clones) {
    static SnapshotView of(Snapshot s) {
      return new SnapshotView(s.getVolume(), s.getName(), Instant.ofEpochMilli(s.getCreatedEpochMillis()).toString(),
          s.getStoredBytes(), s.getExclusiveBytes(), s.getSharedBytes(), List.copyOf(s.getClonesList()));
    }
  }

  record SnapshotList(List<SnapshotView> snapshots) {}

  static void print(Output out, List<Snapshot> snapshots) {
    List<SnapshotView> views = snapshots.stream().map(SnapshotView::of).toList();
    if (out.isJson()) {
      out.json(new SnapshotList(views));
      return;
    }
    if (views.isEmpty()) {
      out.println("no snapshots");
      return;
    }
    String format = "%-20s %-20s %-24s %10s %10s %10s  %s";
    out.println(String.format(format, "VOLUME", "SNAPSHOT", "CREATED", "STORED", "EXCLUSIVE", "SHARED", "CLONES"));
    for (SnapshotView s : views) {
      out.println(String.format(format, s.volume(), s.name(), s.created(), ByteSize.format(s.storedBytes()),
          ByteSize.format(s.exclusiveBytes()), ByteSize.format(s.sharedBytes()), String.join(",", s.clones())));
    }
  }

  /** VOLUME@SNAPSHOT. */
  record SnapshotRef(String volume, String snapshot) {}

  static final class SnapshotRefConverter implements ITypeConverter<SnapshotRef> {
    @Override
    public SnapshotRef convert(String value) {
      int at = value.indexOf('@');
      if (at <= 0 || at == value.length() - 1 || value.indexOf('@', at + 1) >= 0) {
        throw new TypeConversionException("invalid snapshot '" + value + "': expected VOLUME@SNAPSHOT");
      }
      return new SnapshotRef(value.substring(0, at), value.substring(at + 1));
    }
  }

  @Command(name = "snapshot", mixinStandardHelpOptions = true,
      description = "Take a crash-consistent snapshot of a volume, or with --group of several volumes at "
          + "one point in time (a VM's disks). Served read-only as NBD export and iSCSI target NAME@SNAP "
          + "(iSCSI: ...:NAME:SNAP).")
  static final class Take extends VolumeCommand.Subcommand {
    @Parameters(paramLabel = "NAME SNAPSHOT", arity = "1..2",
        description = "The volume and the snapshot's name; with --group only the snapshot's name.")
    List<String> args;

    @Option(names = "--group", paramLabel = "NAME,NAME,...", split = ",",
        description = "Snapshot these volumes together, at one write barrier.")
    List<String> group;

    @Override
    public Integer call() {
      List<String> volumes;
      String name;
      if (group != null) {
        if (args.size() != 1) {
          throw new ParameterException(spec.commandLine(), "with --group give only the snapshot's name");
        }
        volumes = group;
        name = args.get(0);
      } else {
        if (args.size() != 2) {
          throw new ParameterException(spec.commandLine(), "give the volume and the snapshot's name: NAME SNAPSHOT");
        }
        volumes = List.of(args.get(0));
        name = args.get(1);
      }
      print(output(), admin.call(c -> c.snapshot(volumes, name)));
      return 0;
    }
  }

  @Command(name = "snapshots", mixinStandardHelpOptions = true,
      description = "List a volume's snapshots with their stored, exclusive and shared bytes and clones.")
  static final class ListSnapshots extends VolumeCommand.Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      print(output(), admin.call(c -> c.snapshots(name)));
      return 0;
    }
  }

  @Command(name = "snapshot-delete", mixinStandardHelpOptions = true,
      description = "Delete a snapshot (refused while clones use it, naming them).")
  static final class Delete extends VolumeCommand.Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "SNAPSHOT") String snapshot;

    @Override
    public Integer call() {
      admin.call(c -> {
        c.deleteSnapshot(name, snapshot);
        return null;
      });
      Output out = output();
      if (out.isJson()) {
        out.json(Map.of("deleted", name + "@" + snapshot));
      } else {
        out.println("deleted snapshot " + name + "@" + snapshot);
      }
      return 0;
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Make a volume's content its snapshot's. Refused while clients are connected unless --force; "
          + "forced, connected clients must reconnect.")
  static final class Rollback extends VolumeCommand.Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "SNAPSHOT") String snapshot;

    @Option(names = "--force", description = "Roll back even while clients are connected.")
    boolean force;

    @Override
    public Integer call() {
      output().volume(VolumeView.of(admin.call(c -> c.rollback(name, snapshot, force))));
      return 0;
    }
  }

  @Command(name = "clone", mixinStandardHelpOptions = true,
      description = "Create a writable volume that shares every unwritten block with a snapshot (O(1)).")
  static final class Clone extends VolumeCommand.Subcommand {
    @Parameters(index = "0", paramLabel = "NAME@SNAPSHOT", converter = SnapshotRefConverter.class)
    SnapshotRef source;

    @Parameters(index = "1", paramLabel = "NEWNAME") String name;

    @Option(names = "--size", paramLabel = "SIZE", converter = Converters.Size.class, defaultValue = "0",
        description = "A bigger size than the parent's (default: the parent's).")
    long size;

    @Override
    public Integer call() {
      output().volume(VolumeView.of(admin.call(c -> c.cloneVolume(source.volume(), source.snapshot(), name, size))));
      return 0;
    }
  }

  @Command(name = "flatten", mixinStandardHelpOptions = true,
      description = "Copy everything a clone still reads from its parent, in the background (throttled), so the "
          + "parent's snapshot can be deleted; 'volume show' reports progress, --wait shows it until done. "
          + "Ctrl-C stops only the waiting: the flatten goes on on the nodes.")
  static final class Flatten extends VolumeCommand.Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Option(names = "--wait", description = "Return once the clone no longer reads from its parent (on every copy), "
        + "showing progress on stderr.")
    boolean await;

    @Override
    public Integer call() {
      Output out = output();
      Progress progress = await ? new Progress(spec.commandLine().getErr(), "flatten " + name, out.isJson()) : null;
      try (CtrlC ctrlC = await ? CtrlC.leavesRunning(spec.commandLine().getErr(), "the flatten of " + name
          + " goes on on the nodes (volume show " + name + ")") : null) {
        out.volume(VolumeView.of(admin.call(c -> {
          var started = c.flatten(name);
          return await ? FlattenProgress.await(c, started, progress) : started;
        })));
      }
      return 0;
    }
  }

  /** A changed range, as printed. */
  record Changed(long offset, long length) {}

  record DiffView(String volume, String from, String to, long changedBytes, List<Changed> extents) {}

  @Command(name = "diff", mixinStandardHelpOptions = true,
      description = "List the byte ranges that changed since a snapshot (changed-block tracking).")
  static final class Diff extends VolumeCommand.Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Option(names = "--from", paramLabel = "SNAPSHOT", required = true) String from;

    @Option(names = "--to", paramLabel = "SNAPSHOT|now", defaultValue = "now",
        description = "A later snapshot, or now (default).")
    String to;

    @Override
    public Integer call() {
      String target = to.equals("now") ? null : to;
      DiffVolumeResponse r = admin.call(c -> c.diff(name, from, target));
      List<Changed> extents = new ArrayList<>();
      r.getExtentsList().forEach(e -> extents.add(new Changed(e.getOffset(), e.getLength())));
      Output out = output();
      if (out.isJson()) {
        out.json(new DiffView(name, from, to, r.getChangedBytes(), extents));
        return 0;
      }
      out.println(String.format("%s: %s changed from %s to %s in %d extents", name,
          ByteSize.format(r.getChangedBytes()), from, to, extents.size()));
      for (Changed e : extents) {
        out.println(String.format("%14d %12d", e.offset(), e.length()));
      }
      return 0;
    }
  }
}
