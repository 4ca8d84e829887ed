package org.snipblock.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.adapter.testing.TestFleet;
import org.snipblock.adapter.testing.TestGuest;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.Tools;

/**
 * An operator's provisioning day, with real QEMU guests on two host agents over a one-node storage
 * cluster: a template from an ext4 image, bad specs refused without a trace, three VMs cloned from
 * the template (each boots, sees the template's files and its own name from the seed disk, and its
 * writes stay its own), a VM whose QEMU cannot start rolled back, a delete, an abort mid-create, and
 * a task whose controller dies mid-way rolled back by the next controller, and that dead host's VM
 * restarted elsewhere with its data.
 */
class ProvisioningIT {
  private static final Duration GUEST = Duration.ofSeconds(120);

  @TempDir Path dir;

  @Test
  void provisionsVmsFromATemplateAndRollsBackWhatFails() throws Exception {
    TestGuest.Built guest = TestGuest.get();
    Tools.requireQemuIscsi();
    Path image = TestGuest.templateImage(dir, "web1", 64L << 20);
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

      // three VMs from one template; each guest reports and powers off
      for (String vm : new String[] {"vm1", "vm2", "vm3"}) {
        // vm3 asks for an OS instead of a template: the best match is base
        String system = vm.equals("vm3") ? "64M:os=busybox" : "64M:template=base";
        String out = fleet.cli("vm", "create", vm, "--memory", "256M", "--disk", system, "--disk", "16M");
        assertThat(out).contains("task ", "create " + vm, "[done] disk 0: clone of template base as " + vm + "-disk0",
            "[done] start " + vm, vm + " is running on h",
            // placed near the template's primary, by the round trips the cluster measured
            "ms from the primaries of its volumes");
      }
      for (String vm : new String[] {"vm1", "vm2", "vm3"}) {
        String console = Poll.until(vm + " to report", GUEST, () -> consoleOf(fleet, vm).filter(c -> c.contains("files ok")));
        assertThat(console).contains("GUEST: seed-hostname=" + vm, "GUEST: hostname=web1",
            "GUEST: boots=1 log=boot " + vm + " \n");
      }
      assertThat(fleet.cli("vm", "list")).contains("vm1", "vm2", "vm3", "vm1-disk0,vm1-disk1");
      // the guests powered off: their hosts report them stopped
      Poll.until("all three stopped", GUEST, () -> Optional.of(fleet.cli("vm", "list"))
          .filter(l -> l.lines().filter(x -> x.contains(" stopped ")).count() == 3));

      // a second boot of vm1 sees its own first boot, and only its own
      assertThat(fleet.cli("vm", "start", "vm1")).contains("[done] start vm1");
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

      // the controller (h1, first to take the lease) dies mid-task: the next one rolls the task back
      assertThat(fleet.cli("host", "list")).contains("controller: h1");
      String second = fleet.cli("vm", "create", "slow2", "--host", "h3", "--memory", "256M",
          "--disk", "64M:template=base", "--no-wait");
      String id2 = second.substring("task ".length(), second.indexOf(':'));
      Poll.until("the task to wait for slow2's QEMU", GUEST, () -> Optional.of(fleet.cli("task", "show", id2))
          .filter(s -> s.contains("[running] start slow2")));
      fleet.killHost("h1");
      assertThat(fleet.cliError("task", "wait", id2)).isEqualTo("snipblock: task " + id2
          + " (create slow2) rolled-back: interrupted by a controller change; rolled back by the next controller\n");
      assertThat(fleet.cli("host", "list")).containsPattern("controller: h[23]");
      assertThat(fleet.cliError("vm", "show", "slow2")).isEqualTo("snipblock: no vm named slow2\n");
      assertThat(fleet.node().cli("volume", "list")).doesNotContain("slow2-disk0");

      // h1 died with its QEMUs (kill -9): vm1 is fenced and boots again on another host, its disk intact
      String again = Poll.until("vm1 booted elsewhere", GUEST, () -> Optional.of(fleet.console("h2", "vm1")
          + fleet.console("h3", "vm1")).filter(c -> c.contains("files ok")));
      assertThat(again).contains("GUEST: boots=3 log=boot vm1 boot vm1 boot vm1 \n");
      assertThat(fleet.cli("task", "list")).containsPattern("recover +vm1 +done");
    }
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
