package org.snipblock.iscsi.session;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snipblock.iscsi.pdu.Pdu;

/**
 * The session's command numbering (RFC 7143 section 4.2.2.1): commands are delivered in CmdSN
 * order, those outside [ExpCmdSN, MaxCmdSN] are silently ignored, and MaxCmdSN advances only as
 * commands complete, so a slow initiator is throttled by its own window and never by others.
 */
final class CommandWindow {
  private final int window;
  private final Map<Integer, Pdu> waiting = new HashMap<>();
  private int expCmdSn;
  private int maxCmdSn;
  private int inFlight;

  CommandWindow(int firstCmdSn, int window) {
    this.window = window;
    this.expCmdSn = firstCmdSn;
    this.maxCmdSn = firstCmdSn + window - 1;
  }

  int expCmdSn() {
    return expCmdSn;
  }

  int maxCmdSn() {
    return maxCmdSn;
  }

  /**
   * Offers a non-immediate command. Returns false if it is outside the window or a duplicate
   * (the caller drops it); otherwise adds every command now deliverable, in order, to {@code out}.
   * A command kept for later holds a reference of its own, and each one in {@code out} carries a
   * reference for the caller to release once it has been delivered.
   */
  boolean offer(int cmdSn, Pdu pdu, List<Pdu> out) {
    if (!SerialNumbers.within(cmdSn, expCmdSn, maxCmdSn)) {
      return false;
    }
    if (cmdSn != expCmdSn) {
      if (waiting.containsKey(cmdSn)) {
        return false;
      }
      waiting.put(cmdSn, pdu.retain());
      return true;
    }
    out.add(pdu.retain());
    expCmdSn++;
    Pdu next;
    // In order, the usual case, nothing waits: no boxed lookup per command.
    while (!waiting.isEmpty() && (next = waiting.remove(expCmdSn)) != null) {
      out.add(next);
      expCmdSn++;
    }
    return true;
  }

  /** The connection is gone: commands still waiting for a gap to fill are dropped. */
  void discard() {
    waiting.values().forEach(Pdu::release);
    waiting.clear();
  }

  /** A delivered command now occupies a slot until {@link #taskEnded()}. */
  void taskStarted() {
    inFlight++;
  }

  void taskEnded() {
    inFlight--;
    refresh();
  }

  /** Called after delivery: the window may open as ExpCmdSN moved (never shrinks). */
  void refresh() {
    int candidate = expCmdSn - 1 + window - inFlight;
    if (SerialNumbers.lessThan(maxCmdSn, candidate)) {
      maxCmdSn = candidate;
    }
  }
}
