package org.snipblock.adapter.records;

/** A compare-and-set lost: the record changed (or appeared, or went) since it was read. */
public final class RecordConflict extends RuntimeException {
  public RecordConflict(String message) {
    super(message);
  }
}
