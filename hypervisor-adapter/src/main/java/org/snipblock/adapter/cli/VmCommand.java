package org.snipblock.adapter.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.snipblock.adapter.agent.VmLauncher;
import org.snipblock.adapter.control.Tasks;
import org.snipblock.adapter.libvirt.DomainXml;
import org.snipblock.adapter.qemu.Accelerator;
import org.snipblock.node.admin.v1.NodeStatusResponse;
import org.snipblock.adapter.model.DiskSpec;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.adapter.placement.SiteTarget;
import org.snipblock.adapter.records.Stored;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code snipblock vm ...}: VMs from a spec, their lifecycle and their consoles. */
@Command(name = "vm", description = "Virtual machines whose disks live on snipblock.", mixinStandardHelpOptions = true)
final class VmCommand {
  /** What Ctrl-C does to a command that follows a task, said in each one's help. */
  static final String CTRL_C = " Ctrl-C stops only the waiting: the task goes on (task abort stops it).";

  static final Duration TASK_TIMEOUT = Duration.ofMinutes(10);

  @Spec CommandSpec spec;

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a VM from a spec and start it (a task, rolled back on failure)." + CTRL_C)
  void create(@Parameters(paramLabel = "NAME") String name,
      @Option(names = "--cpus", defaultValue = "1", paramLabel = "N") int cpus,
      @Option(names = "--memory", required = true, paramLabel = "SIZE") String memory,
      @Option(names = "--disk", required = true, paramLabel = "SIZE[:template=T|:os=ID]") List<String> disks,
      @Option(names = "--site", paramLabel = "SITE") String site,
      @Option(names = "--strict-site", description = "Never run outside --site, not even to restart after a host loss.")
      boolean strictSite,
      @Option(names = "--host", paramLabel = "H") String host,
      @Option(names = "--priority", defaultValue = "0", paramLabel = "N") int priority,
      @Option(names = "--group", paramLabel = "G") String group,
      @Option(names = "--anti-affinity", description = "No two VMs of --group on one host.") boolean antiAffinity,
      @Option(names = "--kernel", paramLabel = "FILE") String kernel,
      @Option(names = "--initrd", paramLabel = "FILE") String initrd,
      @Option(names = "--append", paramLabel = "CMDLINE") String append,
      @Option(names = "--ssh-key", paramLabel = "KEY") List<String> sshKeys,
      @Option(names = "--user-data", paramLabel = "FILE") Path userData,
      @Option(names = "--no-wait", description = "Print the task id and return.") boolean noWait,
      @Mixin FleetOptions fleet) {
    if (strictSite && site == null) {
      throw new OperatorError("--strict-site needs --site");
    }
    if (antiAffinity && group == null) {
      throw new OperatorError("--anti-affinity needs --group");
    }
    List<DiskSpec> parsed = new ArrayList<>();
    for (String d : disks) {
      parsed.add(DiskSpec.parse(d));
    }
    String data = null;
    if (userData != null) {
      try {
        data = Files.readString(userData);
      } catch (IOException e) {
        throw new OperatorError("cannot read --user-data " + userData + ": " + e.getMessage());
      }
    }
    VmSpec vmSpec = new VmSpec(cpus, Sizes.parse("--memory", memory), parsed, site, host, priority, group, antiAffinity,
        kernel, initrd, append, sshKeys, data, strictSite);
    submit("create", name, null, noWait, fleet, inv -> SpecCheck.check(inv, name, vmSpec));
  }

  @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a stopped VM on its host." + CTRL_C)
  void start(@Parameters(paramLabel = "NAME") String name, @Mixin FleetOptions fleet) {
    submit("start", name, null, false, fleet, inv -> {
      existing(inv, name);
      return null;
    });
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a VM (its QEMU quits; the disks stay)." + CTRL_C)
  void stop(@Parameters(paramLabel = "NAME") String name, @Mixin FleetOptions fleet) {
    submit("stop", name, null, false, fleet, inv -> {
      existing(inv, name);
      return null;
    });
  }

  @Command(name = "restart", mixinStandardHelpOptions = true, description = "Stop and start a VM." + CTRL_C)
  void restart(@Parameters(paramLabel = "NAME") String name, @Mixin FleetOptions fleet) {
    submit("restart", name, null, false, fleet, inv -> {
      existing(inv, name);
      return null;
    });
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Stop a VM and delete it with its volumes." + CTRL_C)
  void delete(@Parameters(paramLabel = "NAME") String name, @Mixin FleetOptions fleet) {
    submit("delete", name, null, false, fleet, inv -> {
      existing(inv, name);
      return null;
    });
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = "Live-migrate a running VM to another host of its site, or (--to-site) into another site with its storage." + CTRL_C)
  void migrate(@Parameters(paramLabel = "NAME") String name,
      @Option(names = "--to-host", paramLabel = "H") String to,
      @Option(names = "--to-site", paramLabel = "SITE") String site, @Mixin FleetOptions fleet) {
    if (site != null) {
      // the host is chosen now, so every controller that runs or rolls back the task knows it
      submit(Tasks.MIGRATE_SITE, name, false, fleet, inv -> null, inv -> SiteTarget.choose(existing(inv, name), site, to,
          inv.hosts.list().stream().map(Stored::value).toList(), inv.vms.list().stream().map(Stored::value).toList(),
          System.currentTimeMillis()).host());
      return;
    }
    if (to == null) {
      throw new OperatorError("vm migrate " + name + ": give --to-host H or --to-site SITE");
    }
    submit("migrate", name, to, false, fleet, inv -> {
      VmRecord v = existing(inv, name);
      if (!VmRecord.RUNNING.equals(v.state())) {
        throw new OperatorError("vm " + name + " is " + v.state() + ": only a running VM migrates live");
      }
      if (to.equals(v.host())) {
        throw new OperatorError("vm " + name + " already runs on " + to);
      }
      HostRecord target = inv.hosts.get(to).map(Stored::value).orElseThrow(() -> new OperatorError("no host named " + to));
      HostRecord source = inv.hosts.get(v.host()).map(Stored::value).orElseThrow();
      String siteTo = target.location().split("/")[0];
      String siteFrom = source.location().split("/")[0];
      if (!siteTo.equals(siteFrom)) {
        throw new OperatorError("live migration stays within a site: " + to + " is in " + siteTo + ", " + name
            + " runs in " + siteFrom);
      }
      if (!target.alive(System.currentTimeMillis())) {
        throw new OperatorError("host " + to + " is down");
      }
      return null;
    });
  }

  private static VmRecord existing(org.snipblock.adapter.Inventory inv, String name) {
    return inv.vms.get(name).map(Stored::value).orElseThrow(() -> new OperatorError("no vm named " + name));
  }

  /** {@code prepare} checks the request and returns the spec to record (null for all but create). */
  private void submit(String kind, String vm, String target, boolean noWait, FleetOptions fleet,
      java.util.function.Function<org.snipblock.adapter.Inventory, VmSpec> prepare) {
    submit(kind, vm, noWait, fleet, prepare, inv -> target);
  }

  /** As above, with the task's target host chosen by {@code targetOf} after {@code prepare} checked the request. */
  private void submit(String kind, String vm, boolean noWait, FleetOptions fleet,
      java.util.function.Function<org.snipblock.adapter.Inventory, VmSpec> prepare,
      java.util.function.Function<org.snipblock.adapter.Inventory, String> targetOf) {
    PrintWriter out = spec.commandLine().getOut();
    fleet.call(inv -> {
      VmSpec vmSpec = prepare.apply(inv);
      TaskRecord t = Tasks.submit(inv, kind, vm, vmSpec, targetOf.apply(inv));
      if (fleet.json) {
        // The task as submitted, or as it ended: one JSON document on stdout, the steps on stderr.
        Printer.json(out, noWait ? t : TaskFollower.follow(inv, t.id(),
            new TaskProgress(spec.commandLine().getErr(), spec.commandLine().getErr(), true), TASK_TIMEOUT));
        return null;
      }
      out.println("task " + t.id() + ": " + kind + " " + vm);
      out.flush();
      if (!noWait) {
        TaskFollower.follow(inv, t.id(), new TaskProgress(out, spec.commandLine().getErr(), false), TASK_TIMEOUT);
        VmRecord v = inv.vms.get(vm).map(Stored::value).orElse(null);
        out.println(v == null ? vm + " deleted" : vm + " is " + v.state() + " on " + v.host());
      }
      return null;
    });
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The VMs: host, state, size.")
  void list(@Mixin FleetOptions fleet) {
    PrintWriter out = spec.commandLine().getOut();
    List<VmRecord> all = fleet.call(inv -> inv.vms.list().stream().map(Stored::value).toList());
    if (fleet.json) {
      Printer.json(out, all);
      return;
    }
    if (all.isEmpty()) {
      out.println("no vms");
      return;
    }
    String f = "%-12s %-8s %-9s %5s %9s %9s  %s%n";
    out.printf(f, "NAME", "HOST", "STATE", "CPUS", "MEMORY", "PRIORITY", "DISKS");
    for (VmRecord v : all) {
      out.printf(f, v.name(), v.host(), v.state(), v.spec().cpus(), ByteSize.format(v.spec().memoryBytes()),
          v.spec().priority(), String.join(",", v.volumes()));
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One VM: spec, host, state, disks, open task.")
  void show(@Parameters(paramLabel = "NAME") String name, @Mixin FleetOptions fleet) {
    PrintWriter out = spec.commandLine().getOut();
    VmRecord v = fleet.call(inv -> existing(inv, name));
    if (fleet.json) {
      Printer.json(out, v);
      return;
    }
    VmSpec s = v.spec();
    out.printf("name:      %s%nhost:      %s%nstate:     %s (wanted %s)%ndetail:    %s%n", v.name(), v.host(), v.state(),
        v.desired(), v.detail());
    out.printf("cpus:      %d%nmemory:    %s%npriority:  %d%n", s.cpus(), ByteSize.format(s.memoryBytes()), s.priority());
    if (s.site() != null) {
      out.printf("site:      %s%n", s.site() + (s.siteStrict() ? " (strict: restarts stay in it)"
          : " (a restart after a host loss may go outside it when it has no room)"));
    }
    if (s.group() != null) {
      out.printf("group:     %s%s%n", s.group(), s.antiAffinity() ? " (anti-affinity)" : "");
    }
    for (int i = 0; i < s.disks().size(); i++) {
      DiskSpec d = s.disks().get(i);
      out.printf("disk %d:    %s, %s%s%n", i, i < v.volumes().size() ? v.volumes().get(i) : "-",
          ByteSize.format(d.sizeBytes()), d.template() == null ? "" : ", clone of template " + d.template());
    }
  }

  @Command(name = "xml", mixinStandardHelpOptions = true,
      description = "The VM as a libvirt domain (network disks on snipblock's iSCSI door).")
  void xml(@Parameters(paramLabel = "NAME") String name,
      @Option(names = "--emulator", defaultValue = "/usr/bin/qemu-system-x86_64", paramLabel = "PATH") String emulator,
      @Option(names = "--accel", defaultValue = "tcg", paramLabel = "tcg|kvm") String accel,
      @Mixin FleetOptions fleet) {
    String xml = fleet.call(inv -> {
      VmRecord v = existing(inv, name);
      HostRecord h = inv.hosts.get(v.host()).map(Stored::value)
          .orElseThrow(() -> new OperatorError("vm " + name + " has no host on record"));
      NodeStatusResponse door = inv.admin().call(c -> c.status());
      return DomainXml.of(v, VmLauncher.boot(v.spec(), inv), Accelerator.parse(accel).qemuName(), emulator,
          door.getListen(), door.getIscsiPort(), h.initiator(),
          Path.of(h.dataDir()).resolve("vms").resolve(name).resolve("seed.img").toString());
    });
    spec.commandLine().getOut().print(xml);
  }

  @Command(name = "console", mixinStandardHelpOptions = true,
      description = "The VM's serial console log, from its host agent (on any machine).")
  void console(@Parameters(paramLabel = "NAME") String name,
      @Option(names = "--follow", description = "Keep printing what the guest writes, until the VM stops.") boolean follow,
      @Mixin FleetOptions fleet) throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    String address = fleet.call(inv -> {
      VmRecord v = existing(inv, name);
      HostRecord h = inv.hosts.get(v.host()).map(Stored::value)
          .orElseThrow(() -> new OperatorError("vm " + name + " has no host on record"));
      if (h.consoleAddress() == null) {
        throw new OperatorError("host " + h.id() + " serves no consoles (its agent is older than this CLI)");
      }
      return h.consoleAddress();
    });
    ConsoleReader console = new ConsoleReader(address, name);
    while (true) {
      byte[] chunk = console.next();
      if (chunk.length > 0) {
        out.print(new String(chunk, StandardCharsets.UTF_8));
        out.flush();
      } else if (!follow) {
        return;
      } else if (!fleet.call(inv -> inv.vms.get(name).map(s -> s.value().isUp()).orElse(false))) {
        // what the guest wrote between the last read and its end
        for (byte[] rest = console.next(); rest.length > 0; rest = console.next()) {
          out.print(new String(rest, StandardCharsets.UTF_8));
        }
        out.flush();
        return;
      } else {
        TimeUnit.MILLISECONDS.sleep(200);  // tail -f: the guest writes when it writes
      }
    }
  }
}
