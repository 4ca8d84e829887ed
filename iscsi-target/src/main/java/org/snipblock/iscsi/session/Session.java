package org.snipblock.iscsi.session;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snipblock.iscsi.scsi.ItNexus;
import org.snipblock.iscsi.scsi.LogicalUnit;

/**
 * One iSCSI session (always one connection: MaxConnections=1, ErrorRecoveryLevel=0). A normal
 * session is an I_T nexus to one logical unit; a discovery session has neither.
 */
public final class Session {
  private static final Logger log = LoggerFactory.getLogger(Session.class);

  private final SessionRegistry registry;
  private final int tsih;
  private final SessionKey key;
  private final SessionParameters parameters;
  private final LogicalUnit logicalUnit;
  private final ItNexus nexus;
  private final Channel channel;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final AtomicBoolean released = new AtomicBoolean();
  private volatile TaskSet taskSet = () -> java.util.concurrent.CompletableFuture.completedFuture(null);

  /** The commands in flight on the session's connection, as another session's task management sees them. */
  @FunctionalInterface
  public interface TaskSet {
    /** Aborts every task (no responses will be sent); completes once all have stopped. */
    java.util.concurrent.CompletableFuture<Void> abortAll();
  }

  Session(SessionRegistry registry, int tsih, SessionKey key, SessionParameters parameters,
      LogicalUnit logicalUnit, ItNexus nexus, Channel channel) {
    this.registry = registry;
    this.tsih = tsih;
    this.key = key;
    this.parameters = parameters;
    this.logicalUnit = logicalUnit;
    this.nexus = nexus;
    this.channel = channel;
  }

  public int tsih() {
    return tsih;
  }

  public SessionKey key() {
    return key;
  }

  public boolean discovery() {
    return logicalUnit == null;
  }

  public SessionParameters parameters() {
    return parameters;
  }

  public LogicalUnit logicalUnit() {
    return logicalUnit;
  }

  public ItNexus nexus() {
    return nexus;
  }

  public Channel channel() {
    return channel;
  }

  /** Called by the connection once it runs the full feature phase. */
  void taskSet(TaskSet taskSet) {
    this.taskSet = taskSet;
  }

  /**
   * Aborts this session's tasks on behalf of task management received on another session
   * (CLEAR TASK SET, LUN RESET and target resets reach every nexus of the logical unit, SAM-5
   * 7.4, 7.6, 7.8). Safe from any thread.
   */
  public java.util.concurrent.CompletableFuture<Void> abortAllTasks() {
    return taskSet.abortAll();
  }

  /**
   * Ends the session once: the nexus is reported lost to the logical unit and the connection
   * closes. Safe from any thread; later calls do nothing.
   */
  public void end(String why) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    log.info("session {} ({}) ends: {}", tsih, key, why);
    releaseNexus();
    channel.close();
  }

  /**
   * Reports the nexus lost to the logical unit (once) without closing the connection yet;
   * completes once every path of the LU knows. A logout writes its response only then: the
   * initiator may act on another session (through another node) as soon as it reads that
   * response, and must find this nexus's reservations already gone.
   */
  public java.util.concurrent.CompletableFuture<Void> releaseNexus() {
    if (!released.compareAndSet(false, true)) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    registry.remove(this);
    return logicalUnit == null ? java.util.concurrent.CompletableFuture.completedFuture(null)
        : logicalUnit.nexusLost(nexus);
  }

  public boolean ended() {
    return ended.get();
  }
}
