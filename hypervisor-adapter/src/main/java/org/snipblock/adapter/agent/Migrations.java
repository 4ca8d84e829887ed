package org.snipblock.adapter.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmRecord.Migration;
import org.snipblock.adapter.qemu.QemuProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host agents' halves of a live migration. The target starts a QEMU that waits for the VM's
 * state ({@code -incoming}) and records where; the source sends the VM there over QMP, waits for
 * QEMU to report the migration completed, quits its own QEMU and moves the VM to the target in the
 * record. Both QEMUs reach the same volumes through snipblock's doors, so no disk data moves.
 */
final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);
  private static final Duration MIGRATE_TIMEOUT = Duration.ofSeconds(120);
  private static final long POLL_MILLIS = 200;

  private final HostConfig host;
  private final Inventory inventory;
  private final VmLauncher launcher;

  Migrations(HostConfig host, Inventory inventory, VmLauncher launcher) {
    this.host = host;
    this.inventory = inventory;
    this.launcher = launcher;
  }

  /** Target side: a QEMU waiting for the VM on a free port of this host's migration address. */
  QemuProcess listen(VmRecord vm) {
    String uri = "tcp:" + host.migrationAddress() + ":" + freePort();
    QemuProcess qemu = QemuProcess.start(launcher.command(vm, uri));
    inventory.vms.update(vm.name(), v -> v.migration() == null ? v
        : v.withMigration(new Migration(v.migration().target(), uri, Migration.LISTENING)));
    log.info("{}: waiting for the migration at {}", vm.name(), uri);
    return qemu;
  }

  /** Source side: true if the VM now runs on the target (then this QEMU has quit). */
  boolean send(VmRecord vm, QemuProcess qemu) {
    Migration m = vm.migration();
    try {
      qemu.qmp().execute("migrate", Map.of("uri", m.uri()));
      long deadline = System.nanoTime() + MIGRATE_TIMEOUT.toNanos();
      String status = "";
      JsonNode info = null;
      while (System.nanoTime() < deadline) {
        info = qemu.qmp().execute("query-migrate");
        status = info.path("status").asText();
        if (status.equals("completed") || status.equals("failed") || status.equals("cancelled")) {
          break;
        }
        TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);  // QEMU reports progress when asked
      }
      if (!status.equals("completed")) {
        String why = info == null ? "no answer" : info.path("error-desc").asText(status);
        throw new IllegalStateException("migration " + status + ": " + why);
      }
      String detail = "migrated from " + host.id() + " in " + info.path("total-time").asLong() + " ms (downtime "
          + info.path("downtime").asLong() + " ms)";
      inventory.vms.update(vm.name(), v -> v.withHost(m.target()).withMigration(null)
          .withState(VmRecord.RUNNING, detail, -1));
      log.info("{}: {}", vm.name(), detail);
      return true;
    } catch (RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.warn("{}: migration to {} failed: {}", vm.name(), m.target(), e.getMessage());
      inventory.vms.update(vm.name(), v -> v.migration() == null ? v
          : v.withMigration(new Migration(m.target(), m.uri(), "failed: " + e.getMessage())));
      return false;
    }
  }

  private int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host.migrationAddress()))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + host.migrationAddress(), e);
    }
  }
}
