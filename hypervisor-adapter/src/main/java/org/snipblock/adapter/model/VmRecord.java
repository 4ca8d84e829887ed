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
 * @param incoming a migration target's host while a live migration runs (null otherwise)
 */
public record VmRecord(String name, VmSpec spec, String host, List<String> volumes, String desired, String state,
    String detail, long pid, String task, long updated, String incoming) {
  public static final String RUNNING = "running";
  public static final String STOPPED = "stopped";
  public static final String FAILED = "failed";
  public static final String STARTING = "starting";
  public static final String DEFINED = "defined";

  public VmRecord {
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
  }

  public VmRecord withDesired(String d) {
    return new VmRecord(name, spec, host, volumes, d, state, detail, pid, task, System.currentTimeMillis(), incoming);
  }

  public VmRecord withState(String s, String why, long p) {
    return new VmRecord(name, spec, host, volumes, desired, s, why, p, task, System.currentTimeMillis(), incoming);
  }

  public VmRecord withHost(String h) {
    return new VmRecord(name, spec, h, volumes, desired, state, detail, pid, task, System.currentTimeMillis(), incoming);
  }

  public VmRecord withVolumes(List<String> v) {
    return new VmRecord(name, spec, host, v, desired, state, detail, pid, task, System.currentTimeMillis(), incoming);
  }

  public VmRecord withTask(String t) {
    return new VmRecord(name, spec, host, volumes, desired, state, detail, pid, t, System.currentTimeMillis(), incoming);
  }

  public VmRecord withIncoming(String i) {
    return new VmRecord(name, spec, host, volumes, desired, state, detail, pid, task, System.currentTimeMillis(), i);
  }
}
