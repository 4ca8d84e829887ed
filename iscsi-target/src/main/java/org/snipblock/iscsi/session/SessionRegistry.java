package org.snipblock.iscsi.session;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.snipblock.iscsi.scsi.ItNexus;
import org.snipblock.iscsi.scsi.LogicalUnit;

/** The sessions of one target node, by key (for reinstatement) and by TSIH. */
public final class SessionRegistry {
  private final Map<SessionKey, Session> byKey = new HashMap<>();
  private final Map<Integer, Session> byTsih = new HashMap<>();
  private int lastTsih;
  private final java.util.function.Consumer<Session> ended;

  /** @param ended told of each session once it has left the registry (not under its lock) */
  SessionRegistry(java.util.function.Consumer<Session> ended) {
    this.ended = ended;
  }

  /**
   * Creates and registers a session. An existing session with the same key is reinstated: it
   * is ended first (its nexus reported lost), so the new one starts clean.
   */
  public Session open(SessionKey key, SessionParameters parameters, LogicalUnit logicalUnit,
      ItNexus nexus, Channel channel) {
    Session old;
    synchronized (this) {
      old = byKey.get(key);
    }
    if (old != null) {
      old.end("reinstated by a new login");
    }
    synchronized (this) {
      int tsih;
      do {
        lastTsih = (lastTsih + 1) & 0xffff;
        tsih = lastTsih;
      } while (tsih == 0 || byTsih.containsKey(tsih));
      Session session = new Session(this, tsih, key, parameters, logicalUnit, nexus, channel);
      byKey.put(key, session);
      byTsih.put(tsih, session);
      return session;
    }
  }

  public synchronized Session byTsih(int tsih) {
    return byTsih.get(tsih);
  }

  void remove(Session session) {
    boolean was;
    synchronized (this) {
      byKey.remove(session.key(), session);
      was = byTsih.remove(session.tsih(), session);
    }
    if (was) {
      ended.accept(session);
    }
  }

  public synchronized List<Session> all() {
    return new ArrayList<>(byTsih.values());
  }
}
