package org.snipblock.adapter.model;

import java.util.ArrayList;
import java.util.List;

/**
 * One operation (create, start, stop, restart, delete, migrate, restart elsewhere) as recorded with the
 * VM records: its steps and how far each got, the decisions taken (placement, fencing), and its
 * state: queued, running, done, rolling-back, rolled-back, or failed (a rollback that could not finish).
 *
 * @param spec the spec of a VM being created (null for the other kinds)
 * @param target the host asked for (migrate, restart) or null
 */
public record TaskRecord(String id, String kind, String vm, VmSpec spec, String target, String state,
    List<StepRecord> steps, List<String> log, String error, boolean abortRequested, long created, long updated) {
  public static final String QUEUED = "queued";
  public static final String RUNNING = "running";
  public static final String DONE = "done";
  public static final String ROLLING_BACK = "rolling-back";
  public static final String ROLLED_BACK = "rolled-back";
  public static final String FAILED = "failed";

  /** A step's progress: pending (planned, not begun), running (begun, maybe done), done, undone, or failed. */
  public record StepRecord(String name, String state, String detail) {}

  public TaskRecord {
    steps = steps == null ? List.of() : List.copyOf(steps);
    log = log == null ? List.of() : List.copyOf(log);
  }

  public boolean finished() {
    return state.equals(DONE) || state.equals(ROLLED_BACK) || state.equals(FAILED);
  }

  public TaskRecord withState(String s, String why) {
    return new TaskRecord(id, kind, vm, spec, target, s, steps, log, why != null ? why : error, abortRequested, created,
        System.currentTimeMillis());
  }

  public TaskRecord withStep(int index, StepRecord step) {
    List<StepRecord> all = new ArrayList<>(steps);
    if (index < all.size()) {
      all.set(index, step);
    } else {
      all.add(step);
    }
    return new TaskRecord(id, kind, vm, spec, target, state, all, log, error, abortRequested, created,
        System.currentTimeMillis());
  }

  /**
   * Puts every planned step not yet on record as pending, so the record says from the start how
   * many steps the task has (the CLI's progress and the dashboard count done of all).
   */
  public TaskRecord withPlan(List<String> names) {
    List<StepRecord> all = new ArrayList<>(steps);
    for (int i = all.size(); i < names.size(); i++) {
      all.add(new StepRecord(names.get(i), "pending", null));
    }
    return new TaskRecord(id, kind, vm, spec, target, state, all, log, error, abortRequested, created,
        System.currentTimeMillis());
  }

  public TaskRecord withNote(String line) {
    List<String> all = new ArrayList<>(log);
    all.add(line);
    return new TaskRecord(id, kind, vm, spec, target, state, steps, all, error, abortRequested, created,
        System.currentTimeMillis());
  }

  public TaskRecord withAbort() {
    return new TaskRecord(id, kind, vm, spec, target, state, steps, log, error, true, created, System.currentTimeMillis());
  }
}
