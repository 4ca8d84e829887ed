package org.snipblock.adapter.model;

import java.util.List;

/**
 * A VM as recorded in the cluster. The controller writes the spec, the host and the desired state;
 * the host agent on {@code host} makes it so and writes back {@code state}, {@code detail} and
 * {@code pid}.
 *
 * @param volumes the VM's volumes, in disk order
 * @param desired running or stopped
 * @param state defined, starting, running, stopped, failed (what the host agent last saw)
 * @param migration the live migration under way (null otherwise)
 */
public record VmRecord(String name, VmSpec spec, String host, List<String> volumes, String desired, String state,
    String detail, long pid, String task, long updated, Migration migration) {
  public static final String RUNNING = "running";
  public static final String STOPPED = "stopped";
  public static final String FAILED = "failed";
  public static final String STARTING = "starting";
  public static final String DEFINED = "defined";
  /** QEMU runs but the guest's CPUs are stopped (QMP STOP: an operator's stop, an I/O error policy). */
  public static final String PAUSED = "paused";

  public VmRecord {
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
  }

  /** Its QEMU runs or is being started: the VM may still write to its console and disks. */
  public boolean isUp() {
    return RUNNING.equals(state) || STARTING.equals(state) || PAUSED.equals(state);
  }

  public VmRecord withDesired(String d) {
    return new VmRecord(name, spec, host, volumes, d, state, detail, pid, task, System.currentTimeMillis(), migration);
  }

  public VmRecord withState(String s, String why, long p) {
    return new VmRecord(name, spec, host, volumes, desired, s, why, p, task, System.currentTimeMillis(), migration);
  }

  public VmRecord withSpec(VmSpec s) {
    return new VmRecord(name, s, host, volumes, desired, state, detail, pid, task, System.currentTimeMillis(), migration);
  }

  public VmRecord withHost(String h) {
    return new VmRecord(name, spec, h, volumes, desired, state, detail, pid, task, System.currentTimeMillis(), migration);
  }

  public VmRecord withVolumes(List<String> v) {
    return new VmRecord(name, spec, host, v, desired, state, detail, pid, task, System.currentTimeMillis(), migration);
  }

  public VmRecord withTask(String t) {
    return new VmRecord(name, spec, host, volumes, desired, state, detail, pid, t, System.currentTimeMillis(), migration);
  }

  public VmRecord withMigration(Migration m) {
    return new VmRecord(name, spec, host, volumes, desired, state, detail, pid, task, System.currentTimeMillis(), m);
  }

  /**
   * A live migration to {@code target}: asked by the controller (requested), the target's agent starts
   * QEMU waiting at {@code uri} (listening), the source's agent migrates into it and, once it completed,
   * moves the VM to the target and clears this; a failure is recorded in {@code state} as "failed: ...".
   */
  public record Migration(String target, String uri, String state) {
    public static final String REQUESTED = "requested";
    public static final String LISTENING = "listening";

    public boolean failed() {
      return state.startsWith("failed");
    }
  }
}
