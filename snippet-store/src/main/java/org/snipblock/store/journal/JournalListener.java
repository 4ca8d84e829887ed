package org.snipblock.store.journal;

import java.io.IOException;

/** What the journal tells the owner of data its records refer to (extent files). */
public interface JournalListener {
  JournalListener NONE = new JournalListener() { };

  /** Before a segment is fsynced (on the syncer's thread): what synced records refer to must be durable first. */
  default void beforeSync() throws IOException { }

  /** Under the journal lock, when a new segment starts: everything released so far is in older segments. */
  default void rolled() { }

  /** True if a roll and checkpoint are due whatever the segment's size (space waits for one). */
  default boolean rollDue() {
    return false;
  }

  /**
   * After a checkpoint deleted the segments older than the newest roll: no replay will see
   * their records again.
   */
  default void checkpointed() { }
}
