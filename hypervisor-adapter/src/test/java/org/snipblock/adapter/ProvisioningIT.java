package org.snipblock.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.adapter.testing.TestFleet;
import org.snipblock.adapter.testing.TestGuest;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.Tools;

/**
 * An operator's provisioning day, with real QEMU guests on two host agents over a one-node storage
 * cluster: a template from an ext4 image (and one from a volume), bad specs refused without a trace,
 * three VMs cloned from the template (each boots, sees the template's files, its own name, ssh key and
 * user data from the seed disk, a disk grown past the template, and its writes stay its own; two of
 * them kept apart by an anti-affinity group), their consoles read and followed through the host
 * agents, a libvirt domain that libvirt's schema accepts, a VM whose QEMU cannot start (no kernel; a
 * bad QEMU option on one host) rolled back, a delete, an abort mid-create, a task whose controller is
 * frozen mid-way rolled back by the next controller (and the frozen one, thawed, does nothing more),
 * and a stopped VM of the frozen host started elsewhere with its data.
 */
class ProvisioningIT {
  private static final Duration GUEST = Duration.ofSeconds(120);
  private static final String SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnlyForTheSeedDiskTest vm2@test";

  @TempDir Path dir;

  @Test
  void provisionsVmsFromATemplateAndRollsBackWhatFails() throws Exception {
    TestGuest.Built guest = TestGuest.get();
    Tools.requireQemuIscsi();
    Tools.require("virt-xml-validate");
    Path image = TestGuest.templateImage(dir, "web1", 64L << 20);
    Path userData = Files.writeString(dir.resolve("user-data"), "#cloud-config\nsnipblock_test: vm2\n");
    ExecutorService background = Executors.newSingleThreadExecutor();
    try (TestFleet fleet = TestFleet.start(dir, Path.of("target/provisioning-logs"))) {
      fleet.host("h1", "eu1/c1/r1/h1", 2, "1G");
      fleet.host("h2", "eu1/c1/r2/h2", 2, "1G");
      assertThat(fleet.cli("host", "list")).contains("h1", "eu1/c1/r1/h1", "h2", "up");

      assertThat(fleet.cli("template", "add", "base", "--image", image.toString(), "--os", "busybox",
          "--kernel", guest.kernel().toString(), "--initrd", guest.initrd().toString(),
          "--append", "console=ttyS0 quiet snipguest=seed")).contains("name:      base", "min disk:  64 MiB");
      assertThat(fleet.cli("template", "list")).contains("base", "template-base@template");
      String volumesBefore = fleet.node().cli("volume", "list");

      // bad specs: one line each, nothing recorded, no volume made
      assertThat(fleet.cliError("vm", "create", "bad", "--memory", "256M", "--disk", "64M:template=nope"))
          .isEqualTo("snipblock: no template named nope (the library has: base)\n");
      assertThat(fleet.cliError("vm", "create", "bad", "--memory", "64G", "--disk", "64M:template=base"))
          .isEqualTo("snipblock: memory 64 GiB is more than any host has (the largest, h1, has 1 GiB)\n");
      assertThat(fleet.cliError("vm", "create", "bad", "--memory", "12Q", "--disk", "64M:template=base"))
          .startsWith("snipblock: bad --memory: invalid size '12Q'").hasLineCount(1);
      assertThat(fleet.cliError("vm", "create", "bad", "--memory", "256M", "--disk", "64X:template=base"))
          .startsWith("snipblock: bad --disk '64X:template=base': invalid size").hasLineCount(1);
      assertThat(fleet.cliError("vm", "create", "bad", "--memory", "256M", "--disk", "32M:template=base"))
          .isEqualTo("snipblock: disk 0 (32 MiB) is smaller than template base needs (64 MiB)\n");
      assertThat(fleet.cliError("vm", "create", "bad", "--memory", "256M", "--disk", "64M:template=base",
          "--site", "us2")).isEqualTo("snipblock: no live host in site us2 (live hosts are in eu1)\n");
      assertThat(fleet.cliError("vm", "create", "Bad_Name", "--memory", "256M", "--disk", "64M:template=base"))
          .startsWith("snipblock: bad VM name or identity: bad hostname 'Bad_Name'").hasLineCount(1);
      assertThat(fleet.cliError("vm", "create", "bad", "--memory", "256M", "--disk", "64M:os=windows"))
          .isEqualTo("snipblock: no template for os windows (the library has: busybox)\n");
      assertThat(fleet.cli("vm", "list")).isEqualTo("no vms\n");
      assertThat(fleet.cli("task", "list")).isEqualTo("no tasks\n");
      assertThat(fleet.node().cli("volume", "list")).isEqualTo(volumesBefore);

      assertThat(fleet.cli("template", "show", "base")).contains("name:      base", "os:        busybox",
          "volume:    template-base@template (read-only)", "boot:      kernel " + guest.kernel());
      // a template made of a volume already in the cluster; unused, it may be deleted (its volume stays)
      fleet.node().cli("volume", "create", "golden", "16M");
      assertThat(fleet.cli("template", "add", "golden", "--volume", "golden", "--os", "tiny", "--min-disk", "32M"))
          .contains("name:      golden", "volume:    golden@template (read-only)", "min disk:  32 MiB");
      assertThat(fleet.cli("template", "delete", "golden")).isEqualTo("deleted template golden\n");
      assertThat(fleet.cli("template", "list")).doesNotContain("golden");
      assertThat(fleet.node().cli("volume", "list")).contains("golden");

      // three VMs from one template; each guest reports and powers off. vm1's system disk is larger
      // than the template; vm2 and vm3 are an anti-affinity group; vm2 brings an ssh key and user data
      String[][] creates = {
          {"vm1", "--disk", "96M:template=base"},
          {"vm2", "--disk", "64M:template=base", "--group", "web", "--anti-affinity", "--ssh-key", SSH_KEY,
              "--user-data", userData.toString()},
          // vm3 asks for an OS instead of a template: the best match is base
          {"vm3", "--disk", "64M:os=busybox", "--group", "web", "--anti-affinity"}};
      Future<String> followed = null;
      for (String[] create : creates) {
        String vm = create[0];
        List<String> args = new ArrayList<>(List.of("vm", "create", vm, "--memory", "256M"));
        args.addAll(List.of(create).subList(1, create.length));
        args.addAll(List.of("--disk", "16M"));
        String out = fleet.cli(args.toArray(String[]::new));
        assertThat(out).contains("task ", "create " + vm, "[done] disk 0: clone of template base as " + vm + "-disk0",
            "[done] start " + vm, vm + " is running on h",
            // placed near the template's primary, by the round trips the cluster measured
            "ms from the primaries of its volumes");
        if (vm.equals("vm3")) {
          // followed from its start to its power-off, through its host's agent (the CLI reads no host's files)
          followed = background.submit(() -> fleet.cli("vm", "console", "vm3", "--follow"));
        }
      }
      assertThat(fleet.cli("vm", "show", "vm1")).contains("host:      h1", "disk 0:    vm1-disk0, 96 MiB, clone of template base");
      assertThat(fleet.cli("vm", "show", "vm2")).contains("group:     web (anti-affinity)");
      assertThat(host(fleet, "vm2")).isNotEqualTo(host(fleet, "vm3"));
      for (String vm : new String[] {"vm1", "vm2", "vm3"}) {
        String console = Poll.until(vm + " to report", GUEST, () -> consoleOf(fleet, vm).filter(c -> c.contains("files ok")));
        assertThat(console).contains("GUEST: seed-hostname=" + vm, "GUEST: hostname=web1",
            "GUEST: boots=1 log=boot " + vm + " \n");
      }
      assertThat(consoleOf(fleet, "vm1").orElseThrow()).contains("GUEST: vda-bytes=" + (96L << 20) + "\n");
      assertThat(consoleOf(fleet, "vm2").orElseThrow())
          .contains("GUEST: seed-key=" + SSH_KEY.substring(0, SSH_KEY.lastIndexOf(' ')) + "\n",
              "GUEST: seed-user-data=snipblock_test: vm2\n");
      assertThat(consoleOf(fleet, "vm3").orElseThrow()).contains("GUEST: seed-key=\n", "GUEST: seed-user-data=hostname: vm3\n");
      assertThat(fleet.cli("vm", "list")).contains("vm1", "vm2", "vm3", "vm1-disk0,vm1-disk1");
      // the guests powered off: their hosts report them stopped
      Poll.until("all three stopped", GUEST, () -> Optional.of(fleet.cli("vm", "list"))
          .filter(l -> l.lines().filter(x -> x.contains(" stopped ")).count() == 3));
      assertThat(followed.get(GUEST.toSeconds(), TimeUnit.SECONDS).replace("\r", ""))
          .isEqualTo(consoleOf(fleet, "vm3").orElseThrow());
      assertThat(fleet.cli("vm", "console", "vm1").replace("\r", "")).isEqualTo(consoleOf(fleet, "vm1").orElseThrow());
      assertThat(fleet.cliError("vm", "console", "nope")).isEqualTo("snipblock: no vm named nope\n");

      // the libvirt domain of vm2 passes libvirt's own schema check
      Path xml = Files.writeString(dir.resolve("vm2.xml"), fleet.cli("vm", "xml", "vm2"));
      assertThat(Tools.run(30, "virt-xml-validate", xml.toString(), "domain").ok().output()).contains("validates");
      assertThat(fleet.cliError("template", "delete", "base"))
          .isEqualTo("snipblock: template base is the base of vm1, vm2, vm3\n");

      // a second boot of vm1 sees its own first boot, and only its own
      assertThat(fleet.cli("vm", "restart", "vm1")).contains("[done] stop vm1", "[done] start vm1");
      Poll.until("vm1's second boot", GUEST, () -> consoleOf(fleet, "vm1")
          .filter(c -> c.contains("GUEST: boots=2 log=boot vm1 boot vm1 \n")));

      // a VM whose QEMU cannot start (no such kernel) is rolled back: no record, no volume
      String failed = fleet.cliError("vm", "create", "vm4", "--memory", "256M", "--disk", "64M:template=base",
          "--kernel", "/nonexistent/vmlinuz");
      assertThat(failed).startsWith("snipblock: task ").contains("(create vm4) rolled-back: vm4 did not start on h")
          .contains("QEMU exited at start").hasLineCount(1);
      assertThat(fleet.cliError("vm", "show", "vm4")).isEqualTo("snipblock: no vm named vm4\n");
      assertThat(fleet.node().cli("volume", "list")).doesNotContain("vm4-disk0");
      assertThat(fleet.cli("task", "list")).contains("rolled-back");

      // a host whose QEMUs get a bad option: the create rolls back fully, saying what QEMU said
      fleet.host("h4", "eu1/c2/r2/h4", 1, "512M", "--qemu-arg=-no-such-option");
      String refused = fleet.cliError("vm", "create", "vm5", "--host", "h4", "--memory", "256M",
          "--disk", "64M:template=base");
      assertThat(refused).startsWith("snipblock: task ").contains("(create vm5) rolled-back: vm5 did not start on h4")
          .contains("QEMU exited at start", "-no-such-option").hasLineCount(1);
      assertThat(fleet.cliError("vm", "show", "vm5")).isEqualTo("snipblock: no vm named vm5\n");
      assertThat(fleet.node().cli("volume", "list")).doesNotContain("vm5-disk0");
      fleet.hostProcess("h4").close();  // not a place for anything later

      // delete: the VM, its record and its volumes go
      assertThat(fleet.cli("vm", "delete", "vm3")).contains("[done] delete the volumes of vm3", "vm3 deleted");
      assertThat(fleet.node().cli("volume", "list")).doesNotContain("vm3-disk0").contains("vm1-disk0");
      assertThat(fleet.cli("vm", "list")).doesNotContain("vm3");

      // task abort mid-create: h3's QEMU takes 20 s to come up, the abort lands while the task waits for it
      Path slowQemu = Files.writeString(dir.resolve("slow-qemu"), "#!/bin/sh\nsleep 20\nexec qemu-system-x86_64 \"$@\"\n");
      assertThat(slowQemu.toFile().setExecutable(true)).isTrue();
      fleet.host("h3", "eu1/c2/r1/h3", 1, "512M", "--qemu", slowQemu.toString());
      String queued = fleet.cli("vm", "create", "slow", "--host", "h3", "--memory", "256M",
          "--disk", "64M:template=base", "--no-wait");
      String id = queued.substring("task ".length(), queued.indexOf(':'));
      Poll.until("the task to wait for slow's QEMU", GUEST, () -> Optional.of(fleet.cli("task", "show", id))
          .filter(s -> s.contains("[running] start slow")));
      assertThat(fleet.cli("task", "abort", id)).isEqualTo("abort of task " + id + " requested\n");
      assertThat(fleet.cliError("task", "wait", id))
          .isEqualTo("snipblock: task " + id + " (create slow) rolled-back: aborted by the operator\n");
      assertThat(fleet.cli("task", "show", id)).contains("[undone] start slow", "[undone] disk 0: clone of template base",
          "[undone] place slow and record it");
      assertThat(fleet.cliError("vm", "show", "slow")).isEqualTo("snipblock: no vm named slow\n");
      assertThat(fleet.node().cli("volume", "list")).doesNotContain("slow-disk0");

      // vm1 stays stopped (its guest powered off; now it is meant to stay so)
      assertThat(fleet.cli("vm", "stop", "vm1")).contains("[done] stop vm1", "vm1 is stopped on h1");

      // the controller (h1, first to take the lease) is frozen mid-task: the next one rolls the task back
      assertThat(fleet.cli("host", "list")).contains("controller: h1");
      String second = fleet.cli("vm", "create", "slow2", "--host", "h3", "--memory", "256M",
          "--disk", "64M:template=base", "--no-wait");
      String id2 = second.substring("task ".length(), second.indexOf(':'));
      Poll.until("the task to wait for slow2's QEMU", GUEST, () -> Optional.of(fleet.cli("task", "show", id2))
          .filter(s -> s.contains("[running] start slow2")));
      fleet.hostProcess("h1").pause();
      assertThat(fleet.cliError("task", "wait", id2)).isEqualTo("snipblock: task " + id2
          + " (create slow2) rolled-back: interrupted by a controller change; rolled back by the next controller\n");
      assertThat(fleet.cli("host", "list")).containsPattern("controller: h[23]");
      assertThat(fleet.cliError("vm", "show", "slow2")).isEqualTo("snipblock: no vm named slow2\n");
      assertThat(fleet.node().cli("volume", "list")).doesNotContain("slow2-disk0");

      // h1 is down (frozen): starting vm1 fences h1 from its volumes and boots it elsewhere, its disk intact
      assertThat(fleet.cli("host", "list")).containsPattern("h1 +eu1/c1/r1/h1 +DOWN");
      String started = fleet.cli("vm", "start", "vm1");
      assertThat(started).contains("[done] move vm1 off its host if that host is down", "[done] start vm1")
          .doesNotContain("is running on h1");
      assertThat(fleet.cli("task", "show", started.substring("task ".length(), started.indexOf(':'))))
          .contains("host h1 is down: fenced it from the volumes of vm1 and chose h");
      String again = Poll.until("vm1 booted elsewhere", GUEST, () -> Optional.of(fleet.console("h2", "vm1")
          + fleet.console("h3", "vm1")).filter(c -> c.contains("files ok")));
      assertThat(again).contains("GUEST: boots=3 log=boot vm1 boot vm1 boot vm1 \n");

      // thawed, the old controller finds its lease gone at its next step and does nothing more
      String rolledBack = fleet.cli("task", "show", id2);
      fleet.hostProcess("h1").resume();
      Poll.until("h1 to find its lease taken", GUEST, () -> Optional.of(fleet.hostProcess("h1").log())
          .filter(l -> l.contains("the controller lease passed to another host")));
      assertThat(fleet.cli("task", "show", id2)).isEqualTo(rolledBack);
    } finally {
      background.shutdownNow();
    }
  }

  private static String host(TestFleet fleet, String vm) {
    return fleet.cli("vm", "show", vm).lines().filter(l -> l.startsWith("host:")).findFirst().orElseThrow()
        .substring("host:".length()).strip();
  }

  private static Optional<String> consoleOf(TestFleet fleet, String vm) {
    for (String host : new String[] {"h1", "h2"}) {
      String c = fleet.console(host, vm);
      if (!c.isEmpty()) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
