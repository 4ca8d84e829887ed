package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

/**
 * Journal records that only put chunk map entries are held back from RocksDB until the journal
 * settles them, but nothing that reads, writes or flushes the database may tell: it applies them
 * first, in order.
 */
class StoreDbHeldTest {
  @TempDir Path dir;

  private static JournalBatch mapEntry(long chunk, int value) {
    return new JournalBatch().put(Space.ALLOCATION, StoreDb.key(1, chunk), new byte[] {(byte) value});
  }

  @Test
  void aReadAfterAHeldRecordSeesItAndItsSequenceNumber() throws Exception {
    try (StoreDb db = new StoreDb(dir, 4 << 20)) {
      db.apply(List.of(mapEntry(7, 1)), 41);
      assertThat(db.get(Space.ALLOCATION, StoreDb.key(1, 7))).containsExactly(1);
      db.apply(List.of(mapEntry(8, 2)), 42);
      assertThat(db.appliedSeq()).isEqualTo(42);
      db.apply(List.of(mapEntry(9, 3)), 43);
      assertThat(db.multiGet(Space.ALLOCATION, List.of(StoreDb.key(1, 9)))).singleElement()
          .satisfies(v -> assertThat(v).containsExactly(3));
      db.apply(List.of(mapEntry(10, 4)), 44);
      try (var it = db.iterator(Space.ALLOCATION)) {
        it.seek(StoreDb.key(1, 10));
        assertThat(it.isValid()).isTrue();
        assertThat(it.value()).containsExactly(4);
      }
    }
  }

  @Test
  void aRecordThatIsNotHeldGoesInAfterTheHeldOnes() throws Exception {
    try (StoreDb db = new StoreDb(dir, 4 << 20)) {
      db.apply(List.of(mapEntry(7, 1)), 1);
      // A trim of the same chunk, applied at once: were it written before the held put, the put would win.
      db.apply(List.of(new JournalBatch().delete(Space.ALLOCATION, StoreDb.key(1, 7))), 2);
      assertThat(db.get(Space.ALLOCATION, StoreDb.key(1, 7))).isNull();
      assertThat(db.appliedSeq()).isEqualTo(2);
    }
  }

  @Test
  void aCheckpointFlushesHeldRecordsSoTheNextOpenHasThem() throws Exception {
    try (StoreDb db = new StoreDb(dir, 4 << 20)) {
      db.apply(List.of(mapEntry(5, 9)), 17);
      db.checkpoint();
    }
    try (StoreDb db = new StoreDb(dir, 4 << 20)) {
      assertThat(db.get(Space.ALLOCATION, StoreDb.key(1, 5))).containsExactly(9);
      assertThat(db.appliedSeq()).isEqualTo(17);
    }
  }

  @Test
  void heldRecordsNeverCheckpointedAreNotOnDiskAndTheirNumberIsNotClaimed() throws Exception {
    try (StoreDb db = new StoreDb(dir, 4 << 20)) {
      db.apply(List.of(mapEntry(5, 1)), 3);
      db.checkpoint();
      db.apply(List.of(mapEntry(6, 2)), 4);
    }
    // Closed without a checkpoint, as at a crash: the journal replays record 4, which the database must not claim.
    try (StoreDb db = new StoreDb(dir, 4 << 20)) {
      assertThat(db.appliedSeq()).isEqualTo(3);
      assertThat(db.get(Space.ALLOCATION, StoreDb.key(1, 6))).isNull();
    }
  }
}
