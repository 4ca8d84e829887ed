package org.snipblock.node.cli;

import java.util.List;
import java.util.Map;
import org.snipblock.node.admin.v1.SnippetRange;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeRules;
import org.snipblock.store.VolumeSpec;
import org.snipblock.node.admin.v1.CreateVolumeRequest;
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
        VolumeCommand.Create.class, VolumeCommand.ListVolumes.class, VolumeCommand.Show.class,
        VolumeCommand.Resize.class, VolumeCommand.Delete.class, VolumeCommand.SetMode.class,
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

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a thin volume; on a cluster node, replicated as --copies/--spread/--mode say.")
  static final class Create extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE", converter = Converters.Size.class,
        description = "Size the clients see: 10G, 512M, 1T or bytes (or give --size).")
    Long positionalSize;

    @Option(names = "--size", paramLabel = "SIZE", converter = Converters.Size.class,
        description = "Size the clients see: 10G, 512M, 1T or bytes.")
    Long sizeOption;

    @Option(names = "--copies", paramLabel = "N",
        description = "Copies of each snippet, in distinct failure domains (default: the node's "
            + "cluster.defaults, built in 3; a standalone node keeps 1).")
    Integer copies;

    @Option(names = "--min-copies", paramLabel = "M",
        description = "Copies that must hold a write before a sync write is acknowledged, and be reachable "
            + "to serve (default: a majority of --copies, or the node's cluster.defaults).")
    Integer minCopies;

    @Option(names = "--spread", paramLabel = "LEVEL",
        description = "Failure-domain level the copies must differ at: host, rack, compartment or site "
            + "(default: the node's cluster.defaults, built in compartment).")
    String spread;

    @Option(names = "--sites", paramLabel = "SITE[,SITE...]",
        description = "Keep the copies in these sites: every copy in one of them, each holding a copy of every "
            + "snippet (default: any site).")
    String sites;

    @Option(names = "--mode", paramLabel = "MODE",
        description = "sync (acknowledged once --min-copies hold the write) or async (after the local copy; "
            + "replicas follow with bounded lag). Default: the node's cluster.defaults, built in sync.")
    String mode;

    @Option(names = "--block-size", paramLabel = "BYTES", defaultValue = "512",
        description = "Logical block size: 512 or 4096 (default 512).")
    int blockSize;

    @Option(names = "--snippet-size", paramLabel = "SIZE", converter = Converters.Size.class, defaultValue = "0",
        description = "Bytes per snippet (default: the store's).")
    long snippetSize;

    @Option(names = "--compression", description = "Compress stored data with lz4.")
    boolean compression;

    @Option(names = "--read-only", description = "Serve the volume write-protected (a template).")
    boolean readOnly;

    @Option(names = "--qos", paramLabel = "LIMITS",
        description = "I/O limits in QEMU's throttle vocabulary, e.g. iops-total=2000,bps-write=50M,"
            + "iops-total-max=4000,iops-total-max-length=10s (see volume set --qos).")
    String qos;

    @Option(names = "--qos-group", paramLabel = "GROUP",
        description = "Share the I/O budget of this group (see volume set --qos-group).")
    String qosGroup;

    @Option(names = "--tenant", paramLabel = "TENANT",
        description = "The tenant that owns the volume; its quotas are checked first (see tenant create).")
    String tenant;

    @Override
    public Integer call() {
      try {
        // The rules every node's store applies: a name or size it would refuse never reaches the cluster.
        VolumeRules.checkSnippetSizeOrDefault(snippetSize);
        VolumeRules.check(new VolumeSpec(name, size(), (int) snippetSize, blockSize, compression));
      } catch (VolumeAdminException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      CreateVolumeRequest.Builder req = CreateVolumeRequest.newBuilder().setName(name).setSizeBytes(size())
          .setSnippetSize((int) snippetSize).setBlockSize(blockSize).setCompression(compression)
          .setReadOnly(readOnly);
      redundancy(req);
      // Checked before anything is created, so a bad --qos changes nothing.
      String limits = qos == null ? null : QosOption.check(spec, qos);
      req.setTenant(tenant == null ? "" : tenant).setQos(limits == null ? "" : limits);
      String group = qosGroup == null ? null : QosOption.checkGroup(spec, qosGroup);
      org.snipblock.node.admin.v1.Volume v = admin.call(c -> c.create(req.build()));
      output().volume(limits == null && group == null ? VolumeView.of(v)
          : VolumeView.of(v).withQos(admin.call(c -> c.setQos(name, limits, group))));
      return 0;
    }

    private long size() {
      if (positionalSize != null && sizeOption != null) {
        throw new ParameterException(spec.commandLine(), "give the size once: either SIZE or --size");
      }
      if (positionalSize == null && sizeOption == null) {
        throw new ParameterException(spec.commandLine(), "Missing required parameter: 'SIZE' (or give --size SIZE, e.g. 10G)");
      }
      return positionalSize != null ? positionalSize : sizeOption;
    }

    private void redundancy(CreateVolumeRequest.Builder req) {
      Choices.copies(spec, copies, minCopies);
      if (copies != null) {
        req.setCopies(copies);
      }
      if (minCopies != null) {
        req.setMinCopies(minCopies);
      }
      if (spread != null) {
        req.setSpread(Choices.spread(spec, spread));
      }
      if (mode != null) {
        req.setMode(Choices.mode(spec, mode));
      }
      if (sites != null) {
        String at = Choices.sites(spec, sites);
        req.setSites(at.equals(org.snipblock.cluster.topology.SiteList.ANY) ? "" : at);
      }
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

  @Command(name = "set", mixinStandardHelpOptions = true,
      description = "Change a volume's settings live: --read-only true|false; on a cluster --mode sync|async "
          + "switches replication without losing or reordering writes; with --stripes only the snippets of those "
          + "placement stripes switch (an override; volume show lists the stripes). On a cluster --chap and "
          + "--allowed-initiators set who may log in through every node's iSCSI door (as volume chap and volume access).")
  static final class SetMode extends Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Option(names = "--mode", paramLabel = "MODE",
        description = "sync or async; auto (the primary switches between them by lag, write rate and link); "
            + "with --stripes also 'volume' (drop their override, follow the volume's mode).")
    String mode;

    @Option(names = "--consumer", paramLabel = "SITE[/COMPARTMENT[/RACK[/HOST]]]",
        description = "Where the volume is consumed (its VM's site or host): failover and move-primary prefer "
            + "the in-sync copy nearest it; 'none' forgets it.")
    String consumer;

    @Option(names = "--read-only", paramLabel = "true|false", arity = "1",
        description = "Serve the volume write-protected (true) or writable again (false).")
    String readOnly;

    @Option(names = "--stripes", paramLabel = "INDEXES", converter = StripeRanges.Converter.class,
        description = "Only the snippets of these placement stripes, e.g. 0-3,7 (ranges inclusive). Default: the "
            + "whole volume.")
    StripeRanges stripes;

    @Option(names = "--qos", paramLabel = "LIMITS",
        description = "I/O limits in QEMU's throttle vocabulary, live: iops-total, iops-read, iops-write, bps-total, "
            + "bps-read, bps-write (bytes/s, K/M/G/T), each also with -max (burst rate) and -max-length (burst "
            + "seconds), comma-separated; 'none' lifts them. In a group: the group's limits.")
    String qos;

    @Option(names = "--qos-group", paramLabel = "GROUP",
        description = "Share one I/O budget with the group's other volumes (a VM's disks, a tenant), live; 'none' "
            + "gives the volume its own again. Joining without --qos takes the group's limits.")
    String qosGroup;

    @Option(names = "--chap", paramLabel = "USER:SECRET_FILE|off",
        description = "On a cluster: the CHAP every node's iSCSI door asks (as volume chap --user --secret-file; "
            + "split at the last ':'), or off. Mutual CHAP: volume chap.")
    String chap;

    @Option(names = "--allowed-initiators", paramLabel = "IQN", split = ",",
        description = "On a cluster: the only iSCSI initiators admitted through any node, live (as volume access "
            + "--allow-initiator, names no longer listed revoked and their connections closed).")
    List<String> allowedInitiators;

    @Mixin RedundancyOptions redundancy;

    @Option(names = "--wait",
        description = "Return once every copy is in sync after the change (new copies built, stale ones caught up, "
            + "moves done), showing the primary's resyncs on stderr (ask the primary to see them); bounded by "
            + "--timeout. Ctrl-C stops only the waiting: the copies go on catching up on the nodes.")
    boolean await;

    @Override
    public Integer call() {
      if (!await) {
        return set();
      }
      Progress progress = new Progress(spec.commandLine().getErr(), "sync " + name, admin.json);
      try (CtrlC ctrlC = CtrlC.leavesRunning(spec.commandLine().getErr(), "the copies of " + name
          + " go on catching up on the nodes (volume show " + name + ")")) {
        return admin.call(c -> InSyncWait.await(c, name, this::set, progress, redundancy.timeout));
      }
    }

    private Integer set() {
      if (chap != null || allowedInitiators != null) {
        access();
        if (mode == null && readOnly == null && consumer == null && qos == null && qosGroup == null
            && !redundancy.given()) {
          return 0;
        }
      }
      if (redundancy.given()) {
        String done = redundancy.apply(spec, admin, name);
        if (mode == null && readOnly == null && consumer == null && qos == null && qosGroup == null) {
          output().println(done);
          return 0;
        }
      }
      if (mode == null && readOnly == null && consumer == null && qos == null && qosGroup == null) {
        throw new ParameterException(spec.commandLine(), "nothing to set: give --mode, --consumer, --read-only, --qos, "
            + "--qos-group, --copies, --min-copies, --spread, --sites, --chap and/or --allowed-initiators");
      }
      if (qos != null || qosGroup != null) {
        String limits = qos == null ? null : QosOption.check(spec, qos);
        String group = qosGroup == null ? null : QosOption.checkGroup(spec, qosGroup);
        org.snipblock.node.admin.v1.VolumeQos q = admin.call(c -> c.setQos(name, limits, group));
        if (mode == null && readOnly == null && consumer == null) {
          output().volume(VolumeView.of(admin.call(c -> c.show(name))).withQos(q));
          return 0;
        }
      }
      if (mode != null && mode.trim().equalsIgnoreCase(Choices.AUTO) && stripes != null) {
        throw new ParameterException(spec.commandLine(), "--mode auto applies to the whole volume, not --stripes");
      }
      if (consumer != null) {
        String place = consumer.trim().equalsIgnoreCase("none") ? "" : consumer.trim();
        if (place.isEmpty() && !consumer.trim().equalsIgnoreCase("none")) {
          throw new ParameterException(spec.commandLine(), "invalid --consumer '': expected SITE[/COMPARTMENT"
              + "[/RACK[/HOST]]] or none");
        }
        admin.call(c -> {
          c.setConsumer(name, place);
          return null;
        });
        if (mode == null && readOnly == null) {
          output().volume(VolumeView.of(admin.call(c -> c.show(name))));
          return 0;
        }
      }
      if (mode != null && mode.trim().equalsIgnoreCase(Choices.AUTO)) {
        admin.call(c -> {
          c.setModeAuto(name);
          return null;
        });
        if (readOnly == null) {
          output().volume(VolumeView.of(admin.call(c -> c.show(name))));
          return 0;
        }
        mode = null;
      }
      if (readOnly != null) {
        boolean ro = switch (readOnly.trim().toLowerCase(java.util.Locale.ROOT)) {
          case "true" -> true;
          case "false" -> false;
          default -> throw new ParameterException(spec.commandLine(),
              "invalid --read-only '" + readOnly + "': expected true or false");
        };
        org.snipblock.node.admin.v1.Volume v = admin.call(c -> c.setReadOnly(name, ro));
        if (mode == null) {
          output().volume(VolumeView.of(v));
          return 0;
        }
      }
      if (stripes != null && mode == null) {
        throw new ParameterException(spec.commandLine(), "--stripes needs --mode");
      }
      String m;
      if (stripes != null && mode.trim().equalsIgnoreCase(FOLLOW_VOLUME)) {
        m = FOLLOW_VOLUME;
      } else if (stripes == null && mode.trim().equalsIgnoreCase(FOLLOW_VOLUME)) {
        throw new ParameterException(spec.commandLine(),
            "invalid --mode volume: only stripes follow the volume's mode; give --stripes INDEXES");
      } else {
        m = Choices.mode(spec, mode);
      }
      output().volume(VolumeView.of(admin.call(c -> c.setMode(name, m,
          stripes == null ? List.of() : stripes.ranges().stream().map(r -> SnippetRange.newBuilder()
              .setFirst(r.first()).setLast(r.last()).build()).toList()))));
      return 0;
    }

    /** --chap and --allowed-initiators: the same calls as volume chap and volume access, checked the same way. */
    private void access() {
      List<String> initiators = allowedInitiators == null ? null : allowedInitiators.stream().map(String::trim).toList();
      if (initiators != null) {
        AccessCommand.checkExactly(spec, name, initiators); // before anything changes
      }
      if (chap != null) {
        String c = chap.trim();
        int colon = c.lastIndexOf(':');
        if (!c.equalsIgnoreCase("off") && (colon <= 0 || colon == c.length() - 1)) {
          throw new ParameterException(spec.commandLine(), "invalid --chap '" + chap + "': expected USER:SECRET_FILE "
              + "or off");
        }
        ChapCommand.print(output(), c.equalsIgnoreCase("off")
            ? ChapCommand.change(spec, admin, name, null, null, null, null, true)
            : ChapCommand.change(spec, admin, name, c.substring(0, colon), java.nio.file.Path.of(c.substring(colon + 1)),
                null, null, false));
      }
      if (initiators != null) {
        AccessCommand.print(output(), AccessCommand.AccessView.of(AccessCommand.allowExactly(spec, admin, name,
            initiators)), true);
      }
    }
  }

  /** The --mode word that drops a per-snippet override. */
  static final String FOLLOW_VOLUME = "volume";

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
