package org.snipblock.iscsi.scsi;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the logical unit is being sanitized, how far along, and whether the last sanitize
 * failed (SBC-4 4.11). While one runs, every command but INQUIRY, REPORT LUNS and REQUEST SENSE
 * meets NOT READY, SANITIZE IN PROGRESS; after a failure, media access meets MEDIUM ERROR,
 * SANITIZE COMMAND FAILED until a sanitize succeeds or, if the failed one allowed it (AUSE),
 * EXIT FAILURE MODE. Survives resets and nexus loss: a sanitize cannot be stopped.
 */
final class SanitizeState {
  private final AtomicReference<Operation> running = new AtomicReference<>();
  /** Null outside failure mode; else whether the failed command allowed an unrestricted exit. */
  private volatile Boolean failedWithUnrestrictedExit;

  /** One sanitize operation: work to do and work done, in bytes. */
  static final class Operation {
    private final long total;
    private final AtomicLong done = new AtomicLong();

    private Operation(long total) {
      this.total = Math.max(1, total);
    }

    void progressed(long bytes) {
      done.addAndGet(bytes);
    }

    /** Fraction done in units of 1/65536 (SPC-4 progress indication). */
    int progress() {
      return (int) Math.min(0xffff, (long) (65536.0 * done.get() / total));
    }
  }

  /** Starts an operation, or returns null if one is already running. */
  Operation begin(long totalBytes) {
    Operation op = new Operation(totalBytes);
    return running.compareAndSet(null, op) ? op : null;
  }

  void end(Operation op, boolean succeeded, boolean unrestrictedExit) {
    failedWithUnrestrictedExit = succeeded ? null : unrestrictedExit;
    running.compareAndSet(op, null);
  }

  /** NOT READY, SANITIZE IN PROGRESS with progress, or null when no sanitize runs. */
  Sense inProgress() {
    Operation op = running.get();
    return op == null ? null : Sense.sanitizeInProgress(op.progress());
  }

  /** What a command meets because of sanitizing, or null if it may run. */
  Sense refusal(CommandSpec spec) {
    if (!spec.reportsUnitAttention()) {
      return null; // INQUIRY, REPORT LUNS, REQUEST SENSE always run
    }
    Sense busy = inProgress();
    if (busy != null) {
      return busy;
    }
    boolean mediaAccess = spec.access() == Access.READ || spec.access() == Access.WRITE;
    if (failedWithUnrestrictedExit != null && mediaAccess && spec.opcode() != Opcodes.SANITIZE) {
      return Sense.sanitizeFailed();
    }
    return null;
  }

  /** EXIT FAILURE MODE: allowed outside failure mode (nothing to do) or if the failure had AUSE. */
  boolean exitFailureMode() {
    Boolean unrestricted = failedWithUnrestrictedExit;
    if (unrestricted == null) {
      return true;
    }
    if (!unrestricted) {
      return false;
    }
    failedWithUnrestrictedExit = null;
    return true;
  }
}
