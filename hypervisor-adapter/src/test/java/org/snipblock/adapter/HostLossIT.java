package org.snipblock.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.adapter.qmp.QmpClient;
import org.snipblock.adapter.testing.TestFleet;
import org.snipblock.adapter.testing.TestGuest;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.Tools;

/**
 * Moving and losing hosts, over three storage nodes keeping three copies of every volume. First db, a
 * guest writing and verifying blocks, is live-migrated from h1 to h2 under that load: the count goes
 * on without a gap or an error. A pause and a resume of its QEMU show in its record. Then a storage
 * node holding a copy of db's disk is killed (kill -9) under the same load: the guest goes on without
 * an error and another node answers for the VM records. Then h2's agent is cut off (SIGSTOP: it stops
 * beating, its QEMU keeps running and keeps trying to write). The controller on h1 restarts h2's
 * high-priority VM on h1, which is full, by stopping h1's lowest-priority VM, and fences h2 at the
 * storage before it starts the VM again: from then on the old QEMU's guest makes no progress, while
 * the new one writes and verifies.
 */
class HostLossIT {
  private static final Duration GUEST = Duration.ofSeconds(120);
  private static final Pattern PROGRESS = Pattern.compile("GUEST: n=(\\d+) t=\\d+ err=(\\d+)");
  private static final String THREE_COPIES = """
      cluster:
        defaults:
          copies: 3
          min-copies: 2
      """;
  private static final List<String> NODES = List.of("eu1/c1/r1/n1", "eu1/c2/r1/n2", "eu1/c3/r1/n3");

  @TempDir Path dir;

  @Test
  void restartsTheVmsOfALostHostElsewhereAfterFencingIt() throws Exception {
    TestGuest.Built guest = TestGuest.get();
    Tools.requireQemuIscsi();
    Tools.require("kill");
    try (TestFleet fleet = TestFleet.startSites(dir, Path.of("target/host-loss-logs"), THREE_COPIES, NODES)) {
      fleet.host("h1", "eu1/c1/r1/h1", 2, "512M");
      Poll.until("h1 to hold the controller lease", GUEST,
          () -> Optional.of(fleet.cli("host", "list")).filter(l -> l.contains("controller: h1")));
      // h2's QEMUs get a second QMP monitor (qmp.sock.test) beside the agent's, for the test to pause a guest
      Path qemu = Files.writeString(dir.resolve("qemu-with-test-monitor"), """
          #!/bin/sh
          for a in "$@"; do case "$a" in unix:*/qmp.sock,*) extra="${a%%,*}.test" ;; esac; done
          exec qemu-system-x86_64 "$@" -qmp "$extra,server=on,wait=off"
          """);
      assertThat(qemu.toFile().setExecutable(true)).isTrue();
      fleet.host("h2", "eu1/c1/r2/h2", 2, "512M", "--qemu", qemu.toString());
      List<String> counter = List.of("--kernel", guest.kernel().toString(), "--initrd", guest.initrd().toString(),
          "--append", "console=ttyS0 quiet snipguest=counter", "--memory", "256M", "--disk", "16M");
      create(fleet, counter, "low1", "--host", "h1", "--priority", "0");
      create(fleet, counter, "db", "--host", "h1", "--priority", "10");

      // live migration under the guest's write load: the counter goes on on h2 without a gap or an error
      Poll.until("db writing on h1", GUEST, () -> TestGuest.progress(fleet.console("h1", "db")).filter(p -> p[0] >= 128));
      assertThat(fleet.cliError("vm", "migrate", "db", "--to-host", "h1"))
          .isEqualTo("snipblock: vm db already runs on h1\n");
      String migrated = fleet.cli("vm", "migrate", "db", "--to-host", "h2");
      assertThat(migrated).contains("[done] let h2 in at the storage", "[done] live-migrate db from h1 to h2",
          "migrated from h1 in ", "[done] shut h1 out of the volumes of db", "db is running on h2");
      long[] source = TestGuest.progress(fleet.console("h1", "db")).orElseThrow();
      String arrived = Poll.until("db writing on h2", GUEST, () -> Optional.of(fleet.console("h2", "db"))
          .filter(c -> PROGRESS.matcher(c).results().count() >= 2));
      Matcher first = PROGRESS.matcher(arrived);
      assertThat(first.find()).isTrue();
      assertThat(Long.parseLong(first.group(1))).as("first count on h2 after %s on h1", source[0])
          .isEqualTo(source[0] + 64);
      assertThat(source[1]).as("errors before the migration").isZero();
      assertThat(TestGuest.progress(arrived).orElseThrow()[1]).as("errors after the migration").isZero();
      assertThat(arrived).doesNotContain("MISMATCH");
      // h1 full again (while three storage nodes can still place three copies)
      create(fleet, counter, "low2", "--host", "h1", "--priority", "1");

      // QEMU's STOP and RESUME events (a stop and a cont through the second monitor) show in the record
      try (QmpClient monitor = QmpClient.connect(dir.resolve("h2/data/vms/db/qmp.sock.test"), Duration.ofSeconds(10))) {
        monitor.execute("stop");
        Poll.until("db paused on record", Duration.ofSeconds(30), () -> Optional.of(fleet.cli("vm", "show", "db"))
            .filter(v -> v.contains("state:     paused (wanted running)")));
        assertThat(fleet.cli("vm", "list")).containsPattern("db +h2 +paused");
        monitor.execute("cont");
        Poll.until("db running on record", Duration.ofSeconds(30), () -> Optional.of(fleet.cli("vm", "show", "db"))
            .filter(v -> v.contains("state:     running (wanted running)")));
      }

      // n3 (not the hosts' door, n1) dies under db's writes; it held a copy of db's disk, maybe its primary
      assertThat(fleet.node().cli("volume", "show", "db-disk0")).contains("3 copies", "n3");
      String beforeLoss = fleet.console("h2", "db");
      fleet.node(NODES.get(2)).kill9();
      String sinceLoss = Poll.until("db writing on h2 after n3's loss", GUEST, () -> Optional.of(fleet.console("h2", "db"))
          .map(c -> c.substring(beforeLoss.length())).filter(c -> PROGRESS.matcher(c).results().count() >= 3));
      assertThat(TestGuest.progress(sinceLoss).orElseThrow()[1]).as("errors after n3's loss").isZero();
      assertThat(sinceLoss).doesNotContain("MISMATCH");
      assertThat(fleet.node(NODES.get(1)).cli("vm", "list")).containsPattern("db +h2 +running");

      String h1Before = fleet.console("h1", "db");
      long oldQemu = Long.parseLong(json(fleet.cli("vm", "show", "db", "--json"), "pid"));

      // cut h2's agent off; its QEMU goes on
      Tools.run(10, "kill", "-STOP", String.valueOf(fleet.hostProcess("h2").process().pid())).ok();
      String vm = Poll.until("db running on h1", Duration.ofSeconds(90), () -> Optional.of(fleet.cli("vm", "show", "db"))
          .filter(s -> s.contains("host:      h1") && s.contains("state:     running")));
      String fenced = fleet.console("h2", "db");
      assertThat(ProcessHandle.of(oldQemu).map(ProcessHandle::isAlive)).as("the old QEMU still runs").contains(true);

      String tasks = fleet.cli("task", "list");
      String recover = tasks.lines().filter(l -> l.contains("recover") && l.contains("db")).findFirst().orElseThrow()
          .split(" ")[0];
      // the VM record reads running a moment before the task records its last step as done
      String shown = Poll.until("the recovery task done", Duration.ofSeconds(30), () -> Optional.of(fleet.cli("task", "show", recover))
          .filter(t -> t.contains("recover db, done")));
      assertThat(shown).contains( "[done] choose a host for db instead of h2",
          "stopping low1 (priority 0) to make room for db (priority 10)",
          "chose h1: host h1 has room once lower-priority low1 stops",
          "revoked iqn.2026-11.org.snipblock.host:h2 on db-disk0",
          "[done] fence h2 from the volumes of db", "[done] start db");
      assertThat(fleet.cli("vm", "show", "low1")).contains("state:     stopped (wanted stopped)");
      assertThat(fleet.cli("vm", "show", "low2")).contains("state:     running");

      // the new db writes and verifies; the old one, fenced, gets nowhere
      Poll.until("db writing on h1 again", GUEST, () -> TestGuest.progress(fleet.console("h1", "db").substring(h1Before.length()))
          .filter(p -> p[0] >= 192));
      assertThat(TestGuest.progress(fleet.console("h1", "db").substring(h1Before.length())).orElseThrow()[1])
          .as("errors of the new db").isZero();
      long[] before = TestGuest.progress(fenced).orElseThrow();
      long[] after = TestGuest.progress(fleet.console("h2", "db")).orElseThrow();
      assertThat(after[0]).as("blocks the fenced guest wrote after the fence").isLessThanOrEqualTo(before[0] + 64);
      assertThat(ProcessHandle.of(oldQemu).map(ProcessHandle::isAlive)).as("the old QEMU still runs").contains(true);
      assertThat(fleet.cli("host", "list")).containsPattern("h2 +eu1/c1/r2/h2 +DOWN");
      fleet.killHost("h2");
    }
  }

  private static void create(TestFleet fleet, List<String> common, String name, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("vm", "create", name));
    args.addAll(common);
    args.addAll(List.of(extra));
    assertThat(fleet.cli(args.toArray(String[]::new))).contains(name + " is running on");
  }

  private static String json(String text, String field) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text).get(field).asText();
  }
}
