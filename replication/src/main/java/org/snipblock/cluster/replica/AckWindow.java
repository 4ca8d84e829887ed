package org.snipblock.cluster.replica;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When this node, as a volume's primary at one epoch, admitted the changes it then acknowledged:
 * the first and the last admission time (wall clock, microseconds) and how many. Two primaries of
 * one volume must never both acknowledge, so the windows of different epochs must not overlap and
 * an older epoch's must end before a newer one's begins. Admission time, not the time the answer
 * left: a primary frozen (SIGSTOP, a GC pause) with a change in flight answers it late, after its
 * successor began, yet the change was sequenced and taken in by its replicas while it still was the
 * primary.
 *
 * <p>The window goes to the log in one line of {@code key=value} fields ({@link #line}), so that a
 * test, or an operator after an incident, can check it across the logs of every node: at INFO when
 * it opens and when the device steps down or closes, at DEBUG at most once a second in between
 * (and at once for a change acknowledged after this device stopped being primary). A {@code kill -9}
 * loses at most the last second, in which the killed node could not have overlapped a successor
 * that only begins after it is gone. Times are the node's wall clock: comparable across nodes only
 * as far as their clocks agree (exactly, for daemons on one machine).
 */
public final class AckWindow {
  private static final Logger log = LoggerFactory.getLogger(AckWindow.class);
  /** What every window line starts with. */
  public static final String PREFIX = "ack window:";
  private static final long LOG_EVERY_NANOS = 1_000_000_000L;

  private final String volume;
  private final long uid;
  private final long epoch;
  private final String node;
  private long first = -1;
  private long last;
  private long acks;
  private long loggedAcks;
  private long loggedAtNanos;

  AckWindow(String volume, long uid, long epoch, String node) {
    this.volume = volume;
    this.uid = uid;
    this.epoch = epoch;
    this.node = node;
  }

  /** Now, as the windows count time: microseconds since the epoch, by the wall clock. */
  static long now() {
    Instant i = Instant.now();
    return i.getEpochSecond() * 1_000_000 + i.getNano() / 1000;
  }

  /**
   * A change admitted at {@code admittedMicros} was acknowledged; {@code stillPrimary}: whether this
   * device may still accept changes (if not, the line goes out at once: no later one may follow).
   */
  void acked(long admittedMicros, boolean stillPrimary) {
    String line;
    boolean opened;
    synchronized (this) {
      opened = first < 0;
      first = opened ? admittedMicros : Math.min(first, admittedMicros);
      last = Math.max(last, admittedMicros);
      acks++;
      long nowNanos = System.nanoTime();
      if (!opened && stillPrimary && nowNanos - loggedAtNanos < LOG_EVERY_NANOS) {
        return;
      }
      line = logged(opened ? "opened" : stillPrimary ? "serving" : "after stepping down", nowNanos);
    }
    if (opened) {
      log.info(line);
    } else {
      log.debug(line);
    }
  }

  /** Logs the window if it changed since its last line and that line is a second old (the periodic care calls this). */
  void logIfDue() {
    String line;
    synchronized (this) {
      long nowNanos = System.nanoTime();
      if (acks == loggedAcks || nowNanos - loggedAtNanos < LOG_EVERY_NANOS) {
        return;
      }
      line = logged("serving", nowNanos);
    }
    log.debug(line);
  }

  /** The device stepped down or closes: the window as it ends (unless nothing was acknowledged). */
  void end(String why) {
    String line;
    synchronized (this) {
      if (acks == 0) {
        return;
      }
      line = logged(why, System.nanoTime());
    }
    log.info(line);
  }

  private String logged(String state, long nowNanos) {
    loggedAcks = acks;
    loggedAtNanos = nowNanos;
    return line(volume, uid, epoch, node, first, last, acks, state);
  }

  /** The log line of a window; the fields are {@code key=value}, the state last, free text. */
  public static String line(String volume, long uid, long epoch, String node, long firstMicros, long lastMicros,
      long acks, String state) {
    return PREFIX + " volume=" + volume + " uid=" + uid + " epoch=" + epoch + " node=" + node + " first="
        + firstMicros + " last=" + lastMicros + " acks=" + acks + " " + state;
  }
}
