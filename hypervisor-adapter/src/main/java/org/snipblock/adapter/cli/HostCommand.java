package org.snipblock.adapter.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.agent.HostAgent;
import org.snipblock.adapter.agent.HostConfig;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.placement.HostLoad;
import org.snipblock.adapter.qemu.Accelerator;
import org.snipblock.adapter.records.Stored;
import org.snipblock.adapter.records.RecordBook;
import org.snipblock.adapter.model.Kinds;
import org.snipblock.adapter.control.Controller;
import org.snipblock.adapter.control.Lease;
import org.snipblock.cluster.topology.Location;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code snipblock host serve|list}: the host agent of a hypervisor machine, and the hosts on record. */
@Command(name = "host", description = "Hypervisor hosts: run a host agent, list the hosts.",
    mixinStandardHelpOptions = true)
final class HostCommand {
  @Spec CommandSpec spec;

  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the host agent of this machine until SIGTERM.")
  int serve(
      @Option(names = "--host-id", required = true, paramLabel = "H") String id,
      @Option(names = "--location", required = true, paramLabel = "SITE/COMPARTMENT/RACK/HOST") String location,
      @Option(names = "--cpus", required = true, paramLabel = "N") int cpus,
      @Option(names = "--memory", required = true, paramLabel = "SIZE") String memory,
      @Option(names = "--admin", required = true, split = ",", paramLabel = "HOST:PORT") List<String> admin,
      @Option(names = "--qemu", defaultValue = "qemu-system-x86_64", paramLabel = "PATH") String qemu,
      @Option(names = "--data", defaultValue = "snipblock-host", paramLabel = "DIR") Path data,
      @Option(names = "--accel", defaultValue = "auto", paramLabel = "auto|tcg|kvm",
          description = "auto (default): KVM where /dev/kvm is usable and this machine is no guest itself, else TCG.")
      String accel,
      @Option(names = "--qemu-arg", paramLabel = "ARG", description = "Extra QEMU argument (repeatable).")
      List<String> qemuArgs,
      @Option(names = "--migration-address", defaultValue = "127.0.0.1", paramLabel = "ADDR",
          description = "Address this host's QEMUs take live migrations on (default 127.0.0.1).")
      String migrationAddress,
      @Option(names = "--console-address", defaultValue = "127.0.0.1:0", paramLabel = "HOST:PORT",
          description = "Where the agent serves its VMs' console logs to `vm console` (unauthenticated: a "
              + "management address; default 127.0.0.1 on any free port).")
      String consoleAddress) throws InterruptedException {
    try {
      Location.parse(location);
    } catch (IllegalArgumentException e) {
      throw new OperatorError(e.getMessage());
    }
    if (cpus < 1) {
      throw new OperatorError("bad --cpus " + cpus + ": at least 1");
    }
    HostConfig config = new HostConfig(id, location, cpus, Sizes.parse("--memory", memory), admin, qemu,
        data.toAbsolutePath(), Accelerator.parse(accel), HostConfig.initiatorOf(id),
        qemuArgs == null ? List.of() : qemuArgs, migrationAddress, consoleAddress);
    Inventory inventory = new Inventory(admin);
    HostAgent agent = new HostAgent(config, inventory);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      inventory.close();
      stopped.countDown();
    }, "host-agent-stop"));
    agent.start();
    PrintWriter out = spec.commandLine().getOut();
    out.println("host " + id + " ready on " + location + " (" + cpus + " CPUs, " + ByteSize.format(config.memoryBytes())
        + ", accel " + config.accel().qemuName() + ", initiator " + config.initiator() + ")");
    out.flush();
    stopped.await();
    return 0;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The hosts on record: capacity, use, VMs, state.")
  void list(@Mixin FleetOptions fleet) {
    PrintWriter out = spec.commandLine().getOut();
    fleet.call(inv -> {
      List<HostView> views = new ArrayList<>();
      var vms = inv.vms.list().stream().map(Stored::value).toList();
      long now = System.currentTimeMillis();
      for (Stored<HostRecord> s : inv.hosts.list()) {
        HostLoad l = HostLoad.of(s.value(), vms);
        views.add(new HostView(s.value().id(), s.value().location(), s.value().alive(now) ? "up" : "DOWN",
            s.value().cpus(), l.usedCpus(), s.value().memoryBytes(), l.usedMemory(),
            l.vms().stream().map(v -> v.name()).sorted().toList(), (now - s.value().heartbeat()) / 1000));
      }
      String controller = new RecordBook<>(inv.records(), Kinds.LEASE, Lease.class).get(Controller.LEASE_KEY)
          .map(Stored::value).filter(l -> l.expires() > now).map(Lease::holder).orElse(null);
      if (fleet.json) {
        Printer.json(out, new HostList(views, controller));
      } else if (views.isEmpty()) {
        out.println("no hosts");
      } else {
        String f = "%-10s %-22s %-5s %9s %19s  %s%n";
        out.printf(f, "HOST", "LOCATION", "STATE", "CPUS", "MEMORY", "VMS");
        for (HostView h : views) {
          out.printf(f, h.id(), h.location(), h.state(), h.usedCpus() + "/" + h.cpus(),
              ByteSize.format(h.usedMemory()) + "/" + ByteSize.format(h.memoryBytes()), String.join(",", h.vms()));
        }
        out.println("controller: " + (controller == null ? "none (no host agent holds the lease)" : controller));
      }
      return null;
    });
  }

  record HostList(List<HostView> hosts, String controller) {}

  record HostView(String id, String location, String state, int cpus, int usedCpus, long memoryBytes,
      long usedMemory, List<String> vms, long secondsSinceHeartbeat) {}
}
