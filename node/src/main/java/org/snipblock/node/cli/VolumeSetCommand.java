package org.snipblock.node.cli;

import java.util.List;
import org.snipblock.node.admin.v1.SnippetRange;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code volume set NAME ...}: a volume's settings changed live (mode, consumer, read-only, QoS,
 * redundancy, CHAP and allowed initiators), optionally waiting until every copy is in sync.
 */
@Command(name = "set", mixinStandardHelpOptions = true,
    description = "Change a volume's settings live: --read-only true|false; on a cluster --mode sync|async "
        + "switches replication without losing or reordering writes; with --stripes only the snippets of those "
        + "placement stripes switch (an override; volume show lists the stripes). On a cluster --chap and "
        + "--allowed-initiators set who may log in through every node's iSCSI door (as volume chap and volume access).")
final class VolumeSetCommand extends VolumeCommand.Subcommand {
  /** The --mode word that drops a per-snippet override. */
  static final String FOLLOW_VOLUME = "volume";

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
