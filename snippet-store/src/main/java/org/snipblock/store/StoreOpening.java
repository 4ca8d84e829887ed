package org.snipblock.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.snipblock.store.extent.ExtentFiles;
import org.snipblock.store.journal.Journal;
import org.snipblock.store.journal.JournalIo;
import org.snipblock.store.journal.JournalReplay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery and start-up of a store, in the order crash safety needs: replay the journal's intact
 * records whose data reached the disk (see {@link ExtentCheck}), force the extent files, checkpoint
 * RocksDB, delete the replayed segments, start a fresh journal, then load the volumes.
 */
final class StoreOpening {
  private static final Logger log = LoggerFactory.getLogger(StoreOpening.class);

  private StoreOpening() {}

  /** Free bytes on the disk holding {@code dir}; 0 when unknown, so nothing counts on it. */
  private static long usableSpace(Path dir) {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      return 0;
    }
  }

  static SnippetStore open(Path dataDir, StoreConfig config) throws IOException {
    Files.createDirectories(dataDir);
    if (!Files.isWritable(dataDir)) {
      throw new IOException("data directory " + dataDir + " is not writable");
    }
    ExtentFiles extents = new ExtentFiles(config.extentIo().open(dataDir.resolve("extents")),
        config.checkpointBytes(), () -> usableSpace(dataDir));
    StoreDb db;
    try {
      db = new StoreDb(dataDir.resolve("db"), config.memtableBytes(), extents::syncFresh);
    } catch (org.rocksdb.RocksDBException e) {
      extents.close();
      throw new IOException("cannot open the store database in " + dataDir + ": " + e.getMessage(), e);
    }
    SnippetStore store = null;
    try {
      JournalIo jio = config.journalIo().open(dataDir.resolve("journal"));
      long applied = db.appliedSeq();
      JournalReplay.Replay replay = JournalReplay.replay(jio, db::apply, new ExtentCheck(extents, db), applied);
      extents.sync();
      db.checkpoint();
      jio.delete(replay.segments());
      if (replay.records() > 0) {
        log.info("replayed {} journal records up to sequence {}", replay.records(), replay.lastSeq());
      }
      store = new SnippetStore(dataDir, config, db, extents);
      // The database may be ahead of the journal's end (a memtable flushed before a power cut took
      // the unsynced tail): numbering goes on after both, or the next open would skip new records.
      store.started(Journal.start(jio, Math.max(replay.lastSeq(), applied) + 1, db, () -> {
        extents.checkpointBegins();
        extents.sync();
        db.checkpoint();
        extents.checkpointEnded();
      }, extents, store.io(), config.checkpointBytes(), config.checkpointInterval(), "snippet-journal"));
      new StoreLoader(store).load();
      return store;
    } catch (Exception e) {
      if (store != null) {
        store.closeAbruptly();
      } else {
        db.close();
        extents.close();
      }
      if (e instanceof IOException ioe) {
        throw ioe;
      }
      throw new IOException("cannot open the store in " + dataDir + ": " + e.getMessage(), e);
    }
  }
}
