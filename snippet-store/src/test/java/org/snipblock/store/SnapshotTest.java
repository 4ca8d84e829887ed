package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.snipblock.store.SnippetStoreTest.await;
import static org.snipblock.store.SnippetStoreTest.failure;
import static org.snipblock.store.SnippetStoreTest.random;
import static org.snipblock.store.SnippetStoreTest.read;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.Extent;
import org.snipblock.store.VolumeAdminException.Reason;

class SnapshotTest {
  private static final int MiB = 1 << 20;
  /** A chunk in an extent file takes one 4 KiB slot. */
  private static final long CHUNK_STORED = 4096;

  private static long stored(long bytes) {
    return bytes / 4096 * CHUNK_STORED;
  }

  @TempDir Path dir;
  SnippetStore store;
  @RegisterExtension final TempStore temp = new TempStore(() -> dir, opened -> store = opened);

  private BlockDevice volume(String name, int mib) {
    store.create(new VolumeSpec(name, (long) mib * MiB, MiB, 512, false));
    return store.open(name).orElseThrow();
  }

  private static void write(BlockDevice d, long off, ByteBuffer data) throws Exception {
    await(d.write(off, data.duplicate(), false));
  }

  private static Reason reason(Runnable r) {
    try {
      r.run();
    } catch (VolumeAdminException e) {
      return e.reason();
    }
    throw new AssertionError("expected a refusal");
  }

  @Test
  void aSnapshotKeepsThePointInTimeWhileTheVolumeMovesOn() throws Exception {
    BlockDevice d = volume("v", 8);
    ByteBuffer a = random(3 * MiB, 1);
    write(d, 0, a);
    store.snapshot(List.of("v"), "s1");
    ByteBuffer b = random(MiB, 2);
    write(d, MiB, b);
    await(d.trim(2 * MiB, MiB, false));
    write(d, 1000 * 512, random(512, 3)); // a partial chunk copies up only its chunk

    BlockDevice snap = store.open("v@s1").orElseThrow();
    assertThat(snap.readOnly()).isTrue();
    assertThat(snap.uniqueId()).isNotEqualTo(d.uniqueId());
    assertThat(read(snap, 0, 3 * MiB)).isEqualTo(a);
    assertThat(read(d, MiB, MiB)).isEqualTo(b);
    assertThat(read(d, 2 * MiB, MiB)).isEqualTo(ByteBuffer.allocate(MiB));
    ByteBuffer head = read(d, 0, 1000 * 512);
    assertThat(head).isEqualTo(a.slice(0, 1000 * 512));
    assertThat(failure(snap.write(0, random(512, 4), false))).isEqualTo(Kind.READ_ONLY);
    assertThat(failure(snap.trim(0, 4096, false))).isEqualTo(Kind.READ_ONLY);

    List<Extent> live = await(d.allocation(0, 4 * MiB));
    assertThat(live).anySatisfy(e -> {
      assertThat(e.offset()).isEqualTo(2 * MiB);
      assertThat(e.hole()).isTrue();
    });
    assertThat(await(snap.allocation(0, 3 * MiB))).singleElement().satisfies(e -> assertThat(e.hole()).isFalse());

    assertThat(store.snapshots("v")).singleElement().satisfies(s -> {
      assertThat(s.name()).isEqualTo("s1");
      assertThat(s.storedBytes()).isEqualTo(stored(3L * MiB));
      assertThat(s.exclusiveBytes()).isEqualTo(stored(2L * MiB + 4096));
      assertThat(s.clones()).isEmpty();
    });
  }

  @Test
  void snapshotsClonesAndTheirContentSurviveARestartAndACrash() throws Exception {
    BlockDevice d = volume("v", 4);
    ByteBuffer a = random(MiB, 5);
    write(d, 0, a);
    store.snapshot(List.of("v"), "s1");
    store.cloneVolume("v", "s1", "c", 0);
    ByteBuffer b = random(MiB, 6);
    await(d.write(0, b.duplicate(), true));
    temp.reopen();
    assertThat(read(store.open("v@s1").orElseThrow(), 0, MiB)).isEqualTo(a);
    assertThat(read(store.open("c").orElseThrow(), 0, MiB)).isEqualTo(a);
    assertThat(read(store.open("v").orElseThrow(), 0, MiB)).isEqualTo(b);
    assertThat(store.show("c").orElseThrow().parent()).isEqualTo("v@s1");

    store.snapshot(List.of("c"), "t");
    temp.crashAndReopen();
    assertThat(store.snapshots("c")).extracting(SnapshotInfo::name).containsExactly("t");
    assertThat(read(store.open("c@t").orElseThrow(), 0, MiB)).isEqualTo(a);
  }

  @Test
  void losingTheCatalogKeepsEverySnapshotAndEveryClonesParent() throws Exception {
    BlockDevice d = volume("v", 4);
    ByteBuffer a = random(MiB, 20);
    write(d, 0, a);
    store.snapshot(List.of("v"), "s1");
    store.cloneVolume("v", "s1", "c", 0);
    write(d, 0, random(MiB, 21));
    store.close();
    try (StoreDb db = new StoreDb(dir.resolve("db"), 1 << 20)) {
      db.apply(List.of(new org.snipblock.store.journal.JournalBatch().deleteRange(
          org.snipblock.store.journal.JournalBatch.Space.CATALOG, StoreDb.key(0), StoreDb.key(Long.MAX_VALUE))));
      db.checkpoint();
    }
    temp.openAgain();
    assertThat(store.list()).extracting(VolumeInfo::name).containsExactly("c", "v");
    assertThat(store.show("c").orElseThrow().parent()).isEqualTo("v@s1");
    assertThat(store.snapshots("v")).extracting(SnapshotInfo::name).containsExactly("s1");
    assertThat(read(store.open("v@s1").orElseThrow(), 0, MiB)).isEqualTo(a);
    assertThat(read(store.open("c").orElseThrow(), 0, MiB)).isEqualTo(a);
  }

  /**
   * A replica that gained a range after its snapshots were taken fills them in place: the snapshot
   * reads the filled data, a clone of it reads it where the clone has not written, a later
   * snapshot reads through to it, the live layer's own data stays on top, and all of it survives a
   * crash. The fill handle writes; every other handle on a snapshot stays read-only.
   */
  @Test
  void fillingASnapshotGivesItAndItsClonesTheContentOfARangeGainedLater() throws Exception {
    BlockDevice d = volume("v", 4);
    ByteBuffer first = random(MiB, 20);
    write(d, 0, first);                    // the range this copy held when s1 was taken
    store.snapshot(List.of("v"), "s1");
    store.snapshot(List.of("v"), "s2");
    BlockDevice c = store.open(store.cloneVolume("v", "s1", "c", 0).name()).orElseThrow();
    ByteBuffer cloneOwn = random(4096, 21);
    write(c, 2 * MiB, cloneOwn);           // the clone wrote one chunk of the gained range itself
    ByteBuffer liveOwn = random(4096, 22);
    write(d, 2 * MiB + 8192, liveOwn);     // and so did the volume after its snapshots

    ByteBuffer gained = random(MiB, 23);   // the snapshot's content of a range gained since
    BlockDevice fill = store.fillSnapshot("v", "s1");
    assertThat(fill.readOnly()).isFalse();
    await(fill.write(2 * MiB, gained.duplicate(), true));
    await(fill.write(3 * MiB + 512, random(512, 24), true));   // a partial chunk completes from the view
    fill.close();
    assertThat(store.open("v@s1").orElseThrow().readOnly()).isTrue();

    assertThat(read(store.open("v@s1").orElseThrow(), 0, MiB)).isEqualTo(first);
    assertThat(read(store.open("v@s1").orElseThrow(), 2 * MiB, MiB)).isEqualTo(gained);
    assertThat(read(store.open("v@s2").orElseThrow(), 2 * MiB, MiB)).as("a later snapshot reads through").isEqualTo(gained);
    ByteBuffer cloneRange = read(c, 2 * MiB, MiB);
    assertThat(cloneRange.slice(0, 4096)).as("the clone's own write stays").isEqualTo(cloneOwn);
    assertThat(cloneRange.slice(4096, MiB - 4096)).isEqualTo(gained.slice(4096, MiB - 4096));
    assertThat(read(d, 2 * MiB + 8192, 4096)).as("the live layer's own data stays on top").isEqualTo(liveOwn);

    temp.crashAndReopen();
    assertThat(read(store.open("v@s1").orElseThrow(), 2 * MiB, MiB)).isEqualTo(gained);
    assertThat(read(store.open("c").orElseThrow(), 2 * MiB + 4096, MiB - 4096)).isEqualTo(gained.slice(4096, MiB - 4096));
    assertThatThrownBy(() -> store.fillSnapshot("v", "nope")).hasMessage("volume v has no snapshot nope");
    assertThatThrownBy(() -> store.fillSnapshot("w", "s1")).hasMessage("no volume named w");
  }

  @Test
  void clonesShareTheParentUntilWrittenAndKeepTheirWritesToThemselves() throws Exception {
    BlockDevice t = volume("tmpl", 4);
    ByteBuffer image = random(4 * MiB, 7);
    write(t, 0, image);
    store.setReadOnly("tmpl", true);
    assertThat(t.readOnly()).isTrue();
    assertThat(failure(t.write(0, random(512, 1), false))).isEqualTo(Kind.READ_ONLY);
    store.snapshot(List.of("tmpl"), "gold");
    BlockDevice c1 = store.open(store.cloneVolume("tmpl", "gold", "c1", 8L * MiB).name()).orElseThrow();
    BlockDevice c2 = store.open(store.cloneVolume("tmpl", "gold", "c2", 0).name()).orElseThrow();
    assertThat(c1.size()).isEqualTo(8L * MiB);
    assertThat(c1.readOnly()).isFalse();
    assertThat(store.show("c1").orElseThrow().storedBytes()).isZero();
    assertThat(store.show("c1").orElseThrow().usedBytes()).isEqualTo(4L * MiB);

    ByteBuffer mine = random(512, 8);
    write(c1, 4096 + 512, mine);
    await(c2.trim(0, MiB, false));
    ByteBuffer c1head = read(c1, 0, 3 * 4096);
    assertThat(c1head.slice(4096 + 512, 512)).isEqualTo(mine);
    assertThat(c1head.slice(0, 4096 + 512)).isEqualTo(image.slice(0, 4096 + 512));
    assertThat(read(c2, 0, MiB)).isEqualTo(ByteBuffer.allocate(MiB));
    assertThat(read(c2, MiB, MiB)).isEqualTo(image.slice(MiB, MiB));
    assertThat(read(t, 0, 4 * MiB)).isEqualTo(image);
    assertThat(read(c1, 4 * MiB, MiB)).isEqualTo(ByteBuffer.allocate(MiB));
    assertThat(store.show("c1").orElseThrow().storedBytes()).isEqualTo(stored(4096));

    assertThat(store.snapshots("tmpl").get(0).clones()).containsExactly("c1", "c2");
    assertThatThrownBy(() -> store.deleteSnapshot("tmpl", "gold"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("c1, c2");
    assertThatThrownBy(() -> store.delete("tmpl")).hasMessageContaining("c1, c2");
    store.delete("c1");
    store.delete("c2");
    store.deleteSnapshot("tmpl", "gold");
    store.delete("tmpl");
    assertThat(store.list()).isEmpty();
  }

  @Test
  void aFlattenedCloneOutlivesItsParent() throws Exception {
    BlockDevice t = volume("tmpl", 4);
    ByteBuffer image = random(4 * MiB, 30);
    write(t, 0, image);
    await(t.trim(3 * MiB, 4096, false));
    store.snapshot(List.of("tmpl"), "gold");
    BlockDevice c = store.open(store.cloneVolume("tmpl", "gold", "c", 0).name()).orElseThrow();
    ByteBuffer mine = random(8192, 31);
    write(c, 2 * MiB, mine);
    store.snapshot(List.of("c"), "before-flatten");
    assertThat(reason(() -> store.flatten("tmpl"))).isEqualTo(Reason.FAILED_PRECONDITION);

    await(store.flatten("c"));
    VolumeInfo info = store.show("c").orElseThrow();
    assertThat(info.parent()).isNull();
    assertThat(info.flatten().running()).isFalse();
    assertThat(info.flatten().snippetsDone()).isEqualTo(info.flatten().snippetsTotal());
    assertThat(info.flatten().bytesCopied()).isEqualTo(4L * MiB - 4096 - 8192);
    assertThat(store.snapshots("tmpl").get(0).clones()).isEmpty();
    assertThat(reason(() -> store.flatten("c"))).isEqualTo(Reason.FAILED_PRECONDITION);

    store.deleteSnapshot("tmpl", "gold");
    store.delete("tmpl");
    ByteBuffer expected = image.duplicate();
    expected.put(3 * MiB, new byte[4096]).put(2 * MiB, mine.array());
    assertThat(read(c, 0, 4 * MiB)).isEqualTo(expected.clear());
    ByteBuffer before = read(store.open("c@before-flatten").orElseThrow(), 0, 4 * MiB);
    assertThat(before).isEqualTo(expected);
    temp.reopen();
    assertThat(read(store.open("c").orElseThrow(), 0, 4 * MiB)).isEqualTo(expected);
  }

  @Test
  void deletingASnapshotKeepsEveryOtherViewAndGivesSpaceBack() throws Exception {
    BlockDevice d = volume("v", 4);
    ByteBuffer a = random(2 * MiB, 9);
    write(d, 0, a);
    store.snapshot(List.of("v"), "s1");
    ByteBuffer b = random(MiB, 10);
    write(d, 0, b);
    store.snapshot(List.of("v"), "s2");
    ByteBuffer c = random(MiB, 11);
    write(d, MiB, c);

    store.deleteSnapshot("v", "s1");
    assertThat(store.open("v@s1")).isEmpty();
    ByteBuffer s2 = read(store.open("v@s2").orElseThrow(), 0, 2 * MiB);
    assertThat(s2.slice(0, MiB)).isEqualTo(b);
    assertThat(s2.slice(MiB, MiB)).isEqualTo(a.slice(MiB, MiB));
    assertThat(read(d, 0, MiB)).isEqualTo(b);
    assertThat(read(d, MiB, MiB)).isEqualTo(c);
    assertThat(store.show("v").orElseThrow().storedBytes()).isEqualTo(stored(3L * MiB));

    store.deleteSnapshot("v", "s2");
    assertThat(read(d, 0, MiB)).isEqualTo(b);
    assertThat(read(d, MiB, MiB)).isEqualTo(c);
    assertThat(store.show("v").orElseThrow().storedBytes()).isEqualTo(stored(2L * MiB));
    assertThat(store.snapshots("v")).isEmpty();
    temp.reopen();
    assertThat(read(store.open("v").orElseThrow(), 0, 2 * MiB).slice(MiB, MiB)).isEqualTo(c);
  }

  @Test
  void aSnapshotDeleteThatACrashInterruptsIsFinishedAtTheNextStart() throws Exception {
    BlockDevice d = volume("v", 4);
    ByteBuffer a = random(2 * MiB, 40);
    write(d, 0, a);
    store.snapshot(List.of("v"), "s1");
    ByteBuffer b = random(MiB, 41);
    write(d, 0, b);
    store.snapshot(List.of("v"), "s2");
    ByteBuffer c = random(MiB, 42);
    write(d, 2 * MiB, c);
    await(d.flush());
    // Crash right after the delete is on record, before the merge has moved anything.
    Layer s1 = store.snapshotOps().existing(store.existing("v"), "s1");
    store.commit(new org.snipblock.store.journal.JournalBatch().put(
        org.snipblock.store.journal.JournalBatch.Space.LAYERS, StoreDb.key(s1.id),
        s1.record().withKind(Layer.Kind.DELETING).encode()));
    temp.crashAndReopen();
    assertThat(store.snapshots("v")).extracting(SnapshotInfo::name).containsExactly("s2");
    ByteBuffer s2 = read(store.open("v@s2").orElseThrow(), 0, 2 * MiB);
    assertThat(s2.slice(0, MiB)).isEqualTo(b);
    assertThat(s2.slice(MiB, MiB)).isEqualTo(a.slice(MiB, MiB));
    BlockDevice again = store.open("v").orElseThrow();
    assertThat(read(again, 0, MiB)).isEqualTo(b);
    assertThat(read(again, MiB, MiB)).isEqualTo(a.slice(MiB, MiB));
    assertThat(read(again, 2 * MiB, MiB)).isEqualTo(c);
    assertThat(store.show("v").orElseThrow().storedBytes()).as("s1's shadowed chunks are gone")
        .isEqualTo(stored(3L * MiB));
  }

  @Test
  void aDeleteLaterIsGoneAtOnceAndItsMergeFinishesInTheBackgroundOrAtTheNextStart() throws Exception {
    BlockDevice d = volume("v", 4);
    ByteBuffer a = random(2 * MiB, 50);
    write(d, 0, a);
    store.snapshot(List.of("v"), "s1");
    ByteBuffer b = random(MiB, 51);
    write(d, 0, b);
    store.snapshot(List.of("v"), "s2");
    store.deleteSnapshotLater("v", "s1");
    assertThat(store.snapshots("v")).extracting(SnapshotInfo::name).containsExactly("s2");
    assertThat(store.open("v@s1")).isEmpty();
    assertThat(reason(() -> store.deleteSnapshotLater("v", "s1"))).isEqualTo(Reason.NOT_FOUND);
    ByteBuffer s2 = read(store.open("v@s2").orElseThrow(), 0, 2 * MiB);
    assertThat(s2.slice(0, MiB)).isEqualTo(b);
    assertThat(s2.slice(MiB, MiB)).isEqualTo(a.slice(MiB, MiB));
    temp.reopen(); // the close stops the merge wherever it is; the next start finishes it
    assertThat(read(store.open("v@s2").orElseThrow(), 0, 2 * MiB)).isEqualTo(s2);
    assertThat(store.show("v").orElseThrow().storedBytes()).isEqualTo(stored(2L * MiB));
  }

  @Test
  void rollbackRestoresTheSnapshotAndAsksOpenHandlesToReconnect() throws Exception {
    BlockDevice d = volume("v", 4);
    ByteBuffer a = random(MiB, 12);
    write(d, 0, a);
    store.snapshot(List.of("v"), "good");
    write(d, 0, random(MiB, 13));
    store.snapshot(List.of("v"), "later");

    assertThat(reason(() -> store.rollback("v", "good", false))).isEqualTo(Reason.FAILED_PRECONDITION);
    assertThat(read(d, 0, 4096)).isNotEqualTo(a.slice(0, 4096));
    store.rollback("v", "good", true);
    assertThat(failure(d.read(0, ByteBuffer.allocate(512)))).isEqualTo(Kind.UNAVAILABLE);
    d.close();
    BlockDevice again = store.open("v").orElseThrow();
    assertThat(read(again, 0, MiB)).isEqualTo(a);
    assertThat(store.snapshots("v")).extracting(SnapshotInfo::name).containsExactly("good", "later");
    again.close();

    store.cloneVolume("v", "later", "c", 0);
    assertThatThrownBy(() -> store.rollback("v", "good", false)).hasMessageContaining("later has clones c");
  }

  @Test
  void aGroupSnapshotIsOnePointAcrossVolumesAndDiffListsExactlyTheChangedRanges() throws Exception {
    BlockDevice d1 = volume("d1", 8);
    BlockDevice d2 = volume("d2", 8);
    write(d1, 0, random(MiB, 14));
    write(d2, 0, random(MiB, 15));
    store.snapshot(List.of("d1", "d2"), "vm");
    assertThat(store.snapshots("d1")).hasSize(1);
    assertThat(store.snapshots("d2")).hasSize(1);

    write(d1, 4096, random(8192, 16));
    write(d1, 5 * MiB + 100 * 512, random(512, 17));
    assertThat(store.diff("d1", "vm", null))
        .containsExactly(new long[] {4096, 8192}, new long[] {5L * MiB + 4096 * 12, 4096});
    assertThat(store.diff("d2", "vm", null)).isEmpty();
    store.snapshot(List.of("d1"), "next");
    assertThat(store.diff("d1", "vm", "next")).hasSize(2);
    assertThat(store.diff("d1", "next", null)).isEmpty();
    assertThat(reason(() -> store.diff("d1", "next", "vm"))).isEqualTo(Reason.FAILED_PRECONDITION);
  }

  @Test
  void badRequestsGetOneClearErrorAndChangeNothing() {
    volume("v", 4);
    assertThat(reason(() -> store.snapshot(List.of("v"), "Bad Name"))).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(reason(() -> store.snapshot(List.of("nope"), "s"))).isEqualTo(Reason.NOT_FOUND);
    assertThat(reason(() -> store.snapshot(List.of(), "s"))).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(reason(() -> store.snapshot(List.of("v", "v"), "s"))).isEqualTo(Reason.INVALID_ARGUMENT);
    store.snapshot(List.of("v"), "s");
    assertThat(reason(() -> store.snapshot(List.of("v"), "s"))).isEqualTo(Reason.ALREADY_EXISTS);
    assertThat(reason(() -> store.deleteSnapshot("v", "nope"))).isEqualTo(Reason.NOT_FOUND);
    assertThat(reason(() -> store.rollback("v", "nope", true))).isEqualTo(Reason.NOT_FOUND);
    assertThat(reason(() -> store.cloneVolume("v", "nope", "c", 0))).isEqualTo(Reason.NOT_FOUND);
    assertThat(reason(() -> store.cloneVolume("v", "s", "v", 0))).isEqualTo(Reason.ALREADY_EXISTS);
    assertThat(reason(() -> store.cloneVolume("v", "s", "c", MiB))).isEqualTo(Reason.INVALID_ARGUMENT);
    assertThat(reason(() -> store.diff("v", "nope", null))).isEqualTo(Reason.NOT_FOUND);
    assertThat(store.open("v@nope")).isEmpty();
    assertThat(store.open("nope@s")).isEmpty();
    assertThat(store.snapshots("v")).hasSize(1);
    assertThat(store.list()).extracting(VolumeInfo::name).containsExactly("v");
  }
}
