package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.store.SnippetStoreTest.await;
import static org.snipblock.store.SnippetStoreTest.failure;
import static org.snipblock.store.SnippetStoreTest.random;
import static org.snipblock.store.SnippetStoreTest.read;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.store.journal.JournalBatch.Space;

/** Corrupts stored chunks behind the store's back; reads must refuse them, never return them. */
class ChecksumTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void corruptBlockFailsWithMediumErrorAndIsCounted(boolean compression) throws Exception {
    SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults());
    store.create(new VolumeSpec("c", 1 << 20, 0, 512, compression));
    BlockDevice d = store.open("c").orElseThrow();
    ByteBuffer text = ByteBuffer.wrap("checksums everywhere ".repeat(1000).substring(0, 16384).getBytes());
    await(d.write(0, text.duplicate(), false));
    long id = d.uniqueId();
    store.close();

    // flip one payload bit of chunk 1 and swap chunk 3's value in for chunk 2 (a misplaced write)
    if (compression) {
      try (StoreDb db = new StoreDb(dir.resolve("db"), 1 << 20)) {
        byte[] v1 = db.get(Space.BLOCKS, StoreDb.key(id, 1));
        v1[v1.length - 1] ^= 0x10;
        byte[] v3 = db.get(Space.BLOCKS, StoreDb.key(id, 3));
        org.snipblock.store.journal.JournalBatch b = new org.snipblock.store.journal.JournalBatch()
            .put(Space.BLOCKS, StoreDb.key(id, 1), v1)
            .put(Space.BLOCKS, StoreDb.key(id, 2), v3);
        db.apply(java.util.List.of(b));
        db.checkpoint();
      }
    } else {
      ExtentDamage.flipBit(dir, id, 1);
      ExtentDamage.copyChunk(dir, id, 3, 2);
    }

    store = SnippetStore.open(dir, StoreConfig.defaults());
    d = store.open("c").orElseThrow();
    assertThat(failure(d.read(4096, ByteBuffer.allocate(512)))).isEqualTo(Kind.MEDIUM_ERROR);
    assertThat(failure(d.read(0, ByteBuffer.allocate(16384)))).isEqualTo(Kind.MEDIUM_ERROR);
    assertThat(failure(d.read(8192, ByteBuffer.allocate(4096)))).isEqualTo(Kind.MEDIUM_ERROR);
    // a partial write into a corrupt chunk cannot merge with it and fails too
    assertThat(failure(d.write(4096, ByteBuffer.allocate(512), false))).isEqualTo(Kind.MEDIUM_ERROR);
    assertThat(store.show("c").orElseThrow().checksumErrors()).isEqualTo(4);
    assertThat(store.stats().checksumErrors()).isEqualTo(4);
    // intact chunks still read, and overwriting a bad chunk whole repairs it
    assertThat(read(d, 0, 4096)).isEqualTo(text.slice(0, 4096));
    assertThat(read(d, 12288, 4096)).isEqualTo(text.slice(12288, 4096));
    ByteBuffer fresh = random(4096, 1);
    await(d.write(4096, fresh.duplicate(), true));
    assertThat(read(d, 4096, 4096)).isEqualTo(fresh);
    store.close();
  }

  /** A chunk only a snapshot still reads (the volume overwrote it since) is checked like live data. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aDamagedChunkOnlyASnapshotReadsFailsTheSnapshotsReadNotTheVolumes(boolean compression) throws Exception {
    SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults());
    store.create(new VolumeSpec("c", 1 << 20, 0, 512, compression));
    BlockDevice d = store.open("c").orElseThrow();
    int chunk = BlockCodec.CHUNK;
    ByteBuffer before = random(4 * chunk, 7);
    await(d.write(0, before.duplicate(), false));
    long layer = store.snapshot(java.util.List.of("c"), "s1").get(0).id();
    ByteBuffer after = random(chunk, 8);
    await(d.write(chunk, after.duplicate(), true));
    store.close();

    // One payload bit of chunk 1 as the snapshot holds it: no newer view reads that version.
    if (compression) {
      try (StoreDb db = new StoreDb(dir.resolve("db"), 1 << 20)) {
        byte[] v1 = db.get(Space.BLOCKS, StoreDb.key(layer, 1));
        v1[v1.length - 1] ^= 0x10;
        db.apply(java.util.List.of(new org.snipblock.store.journal.JournalBatch().put(Space.BLOCKS, StoreDb.key(layer, 1), v1)));
        db.checkpoint();
      }
    } else {
      ExtentDamage.flipBit(dir, layer, 1);
    }

    store = SnippetStore.open(dir, StoreConfig.defaults());
    d = store.open("c").orElseThrow();
    BlockDevice s1 = store.open("c@s1").orElseThrow();
    assertThat(failure(s1.read(chunk, ByteBuffer.allocate(512)))).as("an error, not wrong data")
        .isEqualTo(Kind.MEDIUM_ERROR);
    assertThat(failure(s1.read(0, ByteBuffer.allocate(4 * chunk)))).isEqualTo(Kind.MEDIUM_ERROR);
    assertThat(read(s1, 0, chunk)).isEqualTo(before.slice(0, chunk));
    assertThat(read(s1, 2 * chunk, chunk)).isEqualTo(before.slice(2 * chunk, chunk));
    assertThat(read(d, chunk, chunk)).as("the volume's own version").isEqualTo(after);
    assertThat(store.show("c").orElseThrow().checksumErrors()).isEqualTo(2);
    store.close();
  }
}
