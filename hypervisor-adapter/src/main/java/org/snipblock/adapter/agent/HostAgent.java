package org.snipblock.adapter.agent;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.snipblock.adapter.Inventory;
import org.snipblock.adapter.control.Controller;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.qemu.QemuProcess;
import org.snipblock.adapter.records.RecordConflict;
import org.snipblock.adapter.records.Stored;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of one hypervisor machine: registers the host and beats its heart in the records, and
 * makes the VM records assigned to it true (starts QEMU for a VM asked to start, quits it for one
 * asked to stop or deleted, reports what QEMU does). It also takes its turn as the controller
 * ({@link Controller}: whichever agent holds the lease).
 */
public final class HostAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostAgent.class);
  private static final long RECONCILE_MILLIS = 500;
  private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(20);

  private final HostConfig config;
  private final Inventory inventory;
  private final VmLauncher launcher;
  private final Migrations migrations;
  private final Map<String, QemuProcess> running = new ConcurrentHashMap<>();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "host-agent"));
  private final ScheduledExecutorService heart = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "heartbeat"));
  private final Controller controller;
  private ConsoleServer consoles;

  public HostAgent(HostConfig config, Inventory inventory) {
    this.config = config;
    this.inventory = inventory;
    this.launcher = new VmLauncher(config, inventory);
    this.migrations = new Migrations(config, inventory, launcher);
    this.controller = new Controller(config.id(), inventory);
  }

  /** Registers the host (replacing an older registration of the same id) and starts working. */
  public void start() {
    long now = System.currentTimeMillis();
    consoles = ConsoleServer.start(config.consoleAddress(), config.data().resolve("vms"));
    HostRecord me = new HostRecord(config.id(), config.location(), config.cpus(), config.memoryBytes(),
        config.initiator(), now, config.data().toAbsolutePath().toString(), consoles.address());
    inventory.hosts.get(config.id()).ifPresentOrElse(old -> inventory.hosts.replace(old, me),
        () -> inventory.hosts.create(config.id(), me));
    forgetLostQemus();
    heart.scheduleWithFixedDelay(this::beat, HostRecord.HEARTBEAT_MILLIS, HostRecord.HEARTBEAT_MILLIS,
        TimeUnit.MILLISECONDS);
    loop.scheduleWithFixedDelay(this::reconcile, 0, RECONCILE_MILLIS, TimeUnit.MILLISECONDS);
    controller.start();
    log.info("host {} ({}, {} CPUs, {} MiB) serving; initiator {}; consoles on {}", config.id(), config.location(),
        config.cpus(), config.memoryBytes() >> 20, config.initiator(), consoles.address());
  }

  /** A previous run of this agent may have left VMs on record as running whose QEMU is gone. */
  private void forgetLostQemus() {
    for (Stored<VmRecord> s : inventory.vms.list()) {
      VmRecord v = s.value();
      if (config.id().equals(v.host()) && (VmRecord.RUNNING.equals(v.state()) || VmRecord.PAUSED.equals(v.state()))
          && ProcessHandle.of(v.pid()).map(ProcessHandle::isAlive).orElse(false) == false) {
        inventory.vms.update(v.name(), r -> r.withState(VmRecord.STOPPED, "QEMU gone when the host agent started", 0));
      }
    }
  }

  private void beat() {
    try {
      inventory.hosts.update(config.id(), h -> h.beat(System.currentTimeMillis()));
    } catch (RuntimeException e) {
      log.warn("heartbeat of {} failed: {}", config.id(), e.getMessage());
    }
  }

  private void reconcile() {
    try {
      Map<String, VmRecord> mine = inventory.vms.list().stream().map(Stored::value)
          .filter(v -> config.id().equals(v.host()) || incomingHere(v))
          .collect(Collectors.toMap(VmRecord::name, v -> v));
      for (VmRecord vm : mine.values()) {
        reconcile(vm);
      }
      for (String name : Set.copyOf(running.keySet())) {
        if (!mine.containsKey(name)) {
          log.info("{} is no longer on this host's record: quitting its QEMU", name);
          stop(name);
        }
      }
    } catch (RuntimeException e) {
      log.warn("host {}: reconciling failed: {}", config.id(), e.getMessage());
    }
  }

  private boolean incomingHere(VmRecord v) {
    return v.migration() != null && config.id().equals(v.migration().target()) && !v.migration().failed();
  }

  private void reconcile(VmRecord vm) {
    QemuProcess qemu = running.get(vm.name());
    boolean wanted = VmRecord.RUNNING.equals(vm.desired());
    if (incomingHere(vm)) {
      if (qemu == null && VmRecord.Migration.REQUESTED.equals(vm.migration().state())) {
        listen(vm);
      }
    } else if (vm.migration() != null && VmRecord.Migration.LISTENING.equals(vm.migration().state()) && qemu != null) {
      if (migrations.send(vm, qemu)) {
        running.remove(vm.name(), qemu);
        qemu.quit(QUIT_TIMEOUT);
      }
    } else if (wanted && qemu == null && VmRecord.STARTING.equals(vm.state())) {
      launch(vm);
    } else if (wanted && qemu != null && vm.pid() != qemu.pid() && VmRecord.RUNNING.equals(vm.state())) {
      report(vm.name(), VmRecord.RUNNING, vm.detail(), qemu.pid());  // arrived by migration
    } else if (!wanted && qemu != null) {
      stop(vm.name());
      report(vm.name(), VmRecord.STOPPED, "stopped", 0);
    }
  }

  private void listen(VmRecord vm) {
    try {
      QemuProcess qemu = migrations.listen(vm);
      running.put(vm.name(), qemu);
      watch(vm.name(), qemu);
      qemu.onExit().thenRun(() -> loop.execute(() -> exited(vm.name(), qemu)));
    } catch (RuntimeException e) {
      log.warn("{}: cannot take the migration: {}", vm.name(), e.getMessage());
      inventory.vms.update(vm.name(), v -> v.migration() == null ? v : v.withMigration(
          new VmRecord.Migration(v.migration().target(), null, "failed: " + e.getMessage())));
    }
  }

  private void launch(VmRecord vm) {
    try {
      QemuProcess qemu = QemuProcess.start(launcher.command(vm, null));
      running.put(vm.name(), qemu);
      watch(vm.name(), qemu);
      qemu.onExit().thenRun(() -> loop.execute(() -> exited(vm.name(), qemu)));
      report(vm.name(), VmRecord.RUNNING, "QEMU pid " + qemu.pid(), qemu.pid());
    } catch (RuntimeException e) {
      log.warn("{} did not start: {}", vm.name(), e.getMessage());
      report(vm.name(), VmRecord.FAILED, e.getMessage(), 0);
    }
  }

  /** QEMU's STOP and RESUME events become the record's paused and running, on the agent's own thread. */
  private void watch(String name, QemuProcess qemu) {
    qemu.qmp().onEvent(e -> {
      log.info("{}: QMP event {} {}", name, e.name(), e.data());
      loop.execute(() -> runStateEvent(name, qemu, e.name()));
    });
  }

  private void runStateEvent(String name, QemuProcess qemu, String event) {
    if (running.get(name) != qemu) {
      return;  // a QEMU this agent no longer runs (quit, migrated away)
    }
    try {
      boolean changes = inventory.vms.get(name).flatMap(s -> RunStates.after(event, s.value(), config.id())).isPresent();
      if (!changes) {
        return;  // most events (SHUTDOWN, a migration's own STOP) leave the record alone: no write
      }
      inventory.vms.update(name, v -> RunStates.after(event, v, config.id())
          .map(state -> v.withState(state, "QMP " + event, v.pid())).orElse(v));
    } catch (RecordConflict | IllegalStateException e) {
      log.warn("cannot record {} of {}: {}", event, name, e.getMessage());
    }
  }

  /** QEMU ended by itself (the guest powered off, or it crashed), not because we stopped it. */
  private void exited(String name, QemuProcess qemu) {
    if (running.remove(name, qemu)) {
      if (inventory.vms.get(name).map(s -> !config.id().equals(s.value().host())).orElse(true)) {
        log.info("{}: the QEMU that waited for its migration exited: {}", name, qemu.qemuLogTail());
        return;  // the VM runs elsewhere: nothing to report about it
      }
      String why = "QEMU exited: " + qemu.qemuLogTail();
      log.info("{}: {}", name, why);
      report(name, VmRecord.STOPPED, why, 0);
    }
  }

  private void stop(String name) {
    QemuProcess qemu = running.remove(name);
    if (qemu != null) {
      qemu.quit(QUIT_TIMEOUT);
    }
  }

  private void report(String name, String state, String detail, long pid) {
    try {
      inventory.vms.update(name, v -> v.withState(state, detail, pid));
    } catch (RecordConflict | IllegalStateException e) {
      log.warn("cannot report {} {}: {}", name, state, e.getMessage());
    }
  }

  @Override
  public void close() {
    controller.close();
    loop.shutdownNow();
    heart.shutdownNow();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    running.keySet().forEach(this::stop);
    if (consoles != null) {
      consoles.close();
    }
  }
}
