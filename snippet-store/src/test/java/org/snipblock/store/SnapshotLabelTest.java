package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.snipblock.store.SnippetStoreTest.await;
import static org.snipblock.store.SnippetStoreTest.random;
import static org.snipblock.store.SnippetStoreTest.read;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

/**
 * The head labels carry each volume's layers, so a rebuild from the labels alone (catalog and layer
 * records lost) gives back every snapshot, every clone's parent link and the reference counts.
 */
class SnapshotLabelTest {
  private static final int MiB = 1 << 20;
  private static final List<String> CHAIN = List.of("v", "c1", "c2");

  @TempDir Path dir;

  private SnippetStore open() throws Exception {
    return SnippetStore.open(dir, StoreConfig.defaults().withDefaultSnippetSize(MiB).withIoThreads(2));
  }

  private static void write(SnippetStore store, String volume, long off, int len, long seed) throws Exception {
    BlockDevice d = store.open(volume).orElseThrow();
    await(d.write(off, random(len, seed), false));
    await(d.flush());
    d.close();
  }

  /**
   * volume -> snapshot -> clone -> snapshot of the clone -> clone of that, with an imported
   * snapshot (origin), a deleted one and a rollback on the way.
   */
  private static void buildChain(SnippetStore store) throws Exception {
    store.create(new VolumeSpec("v", 4L * MiB, MiB, 512, false));
    write(store, "v", 0, 3 * MiB, 1);
    store.snapshot(List.of("v"), "s1");
    write(store, "v", MiB, MiB, 2);
    store.snapshotImported("v", "imported", 0x1234_5678L);
    write(store, "v", 2 * MiB, MiB, 3);
    store.snapshot(List.of("v"), "gone");
    write(store, "v", 0, MiB, 4);
    store.deleteSnapshot("v", "gone");
    store.cloneVolume("v", "s1", "c1", 6L * MiB);
    write(store, "c1", 512 * 1024, MiB, 5);
    store.snapshot(List.of("c1"), "t1");
    write(store, "c1", 5L * MiB, MiB, 6);
    store.snapshot(List.of("c1"), "t2");
    store.rollback("c1", "t1", false);
    store.cloneVolume("c1", "t1", "c2", 0);
    write(store, "c2", 3L * MiB, MiB, 7);
  }

  /** Everything a rebuild must give back, as the store shows it. */
  private static Map<String, Object> state(SnippetStore store) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("list", store.list());
    for (String v : CHAIN) {
      List<SnapshotInfo> snaps = store.snapshots(v);
      out.put(v + " snapshots", snaps);
      out.put(v, content(store, v));
      for (SnapshotInfo s : snaps) {
        out.put(v + "@" + s.name(), content(store, v + "@" + s.name()));
      }
    }
    return out;
  }

  private static ByteBuffer content(SnippetStore store, String name) throws Exception {
    BlockDevice d = store.open(name).orElseThrow();
    try {
      return read(d, 0, (int) d.size());
    } finally {
      d.close();
    }
  }

  /** Loses the given column families whole, as a damaged database would. */
  private void lose(Space... spaces) throws Exception {
    try (StoreDb db = new StoreDb(dir.resolve("db"), 1 << 20)) {
      JournalBatch b = new JournalBatch();
      for (Space s : spaces) {
        b.deleteRange(s, StoreDb.key(0), StoreDb.key(Long.MAX_VALUE));
      }
      db.apply(List.of(b));
      db.checkpoint();
      for (Space s : spaces) {
        try (var it = db.iterator(s)) {
          it.seekToFirst();
          assertThat(it.isValid()).as("%s is empty", s).isFalse();
        }
      }
    }
  }

  /** The reference counts: what clones use cannot be deleted, nor rolled back past. */
  private static void checkReferenceCounts(SnippetStore store) {
    assertThatThrownBy(() -> store.deleteSnapshot("v", "s1")).isInstanceOf(VolumeAdminException.class)
        .hasMessageContaining("used by clones c1");
    assertThatThrownBy(() -> store.deleteSnapshot("c1", "t1")).isInstanceOf(VolumeAdminException.class)
        .hasMessageContaining("used by clones c2");
    assertThatThrownBy(() -> store.delete("v")).isInstanceOf(VolumeAdminException.class)
        .hasMessageContaining("clones use: c1");
    assertThatThrownBy(() -> store.delete("c1")).isInstanceOf(VolumeAdminException.class)
        .hasMessageContaining("clones use: c2");
  }

  @Test
  void aRebuildFromLabelsAloneGivesBackEverySnapshotCloneAndReferenceCount() throws Exception {
    Map<String, Object> before;
    try (SnippetStore store = open()) {
      buildChain(store);
      before = state(store);
      assertThat(store.show("c1").orElseThrow().parent()).isEqualTo("v@s1");
      assertThat(store.show("c2").orElseThrow().parent()).isEqualTo("c1@t1");
      assertThat(store.snapshots("v")).extracting(SnapshotInfo::name).containsExactly("s1", "imported");
      assertThat(store.snapshots("c1")).extracting(SnapshotInfo::name).containsExactly("t1", "t2");
    }
    lose(Space.CATALOG, Space.LAYERS);

    try (SnippetStore store = open()) {
      assertThat(state(store)).isEqualTo(before);
      checkReferenceCounts(store);
      // The live layers came back as live: writes land there, never in a snapshot.
      write(store, "v", 0, MiB, 8);
      write(store, "c2", 0, MiB, 9);
      assertThat(content(store, "v@s1")).isEqualTo(before.get("v@s1"));
      assertThat(content(store, "c1@t1")).isEqualTo(before.get("c1@t1"));
      assertThat(content(store, "c1")).isEqualTo(before.get("c1"));
      // On a healthy store a rebuild puts back the same records and changes nothing.
      Map<String, Object> now = state(store);
      RebuildReport r = store.labelIndex().rebuildIndexFromLabels();
      assertThat(r.problems()).isEmpty();
      assertThat(r.volumes()).isEqualTo(3);
      // v: s1, imported, live; c1: bottom (t1), t2, live after the rollback; c2: its live layer
      assertThat(r.layers()).isEqualTo(7);
      assertThat(state(store)).isEqualTo(now);
      checkReferenceCounts(store);
    }
  }

  @Test
  void lostLayerRecordsAloneAreRebuiltFromTheLabelsAtTheNextStart() throws Exception {
    Map<String, Object> before;
    try (SnippetStore store = open()) {
      buildChain(store);
      before = state(store);
    }
    lose(Space.LAYERS);
    try (SnippetStore store = open()) {
      assertThat(state(store)).isEqualTo(before);
      checkReferenceCounts(store);
    }
  }

  @Test
  void aStoreWrittenBeforeLabelsCarriedLayersOpensFromItsRecordsAndIsUpgraded() throws Exception {
    Map<String, Object> before;
    try (SnippetStore store = open()) {
      buildChain(store);
      before = state(store);
    }
    // Head labels as the previous version wrote them (format 2, no layers), and no catalog.
    try (StoreDb db = new StoreDb(dir.resolve("db"), 1 << 20)) {
      JournalBatch b = new JournalBatch().deleteRange(Space.CATALOG, StoreDb.key(0), StoreDb.key(Long.MAX_VALUE));
      try (var it = db.iterator(Space.LABELS)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          SnippetLabel l = SnippetLabel.decode(it.value());
          byte[] old = l.withLayers(null).encode();
          assertThat(Crc32cFrame.open(old, "label")[0]).as("the old format").isEqualTo((byte) 2);
          b.put(Space.LABELS, it.key(), old);
        }
      }
      db.apply(List.of(b));
      db.checkpoint();
    }
    try (SnippetStore store = open()) {
      assertThat(state(store)).as("the layer records stand in for the labels").isEqualTo(before);
      checkReferenceCounts(store);
      long c1 = store.show("c1").orElseThrow().id();
      assertThat(store.labelIndex().readLabel(new SnippetRef(c1, 0)).orElseThrow().layers())
          .as("the head label carries the layers from this start on").hasSize(3);
    }
    lose(Space.CATALOG, Space.LAYERS);
    try (SnippetStore store = open()) {
      assertThat(state(store)).isEqualTo(before);
      checkReferenceCounts(store);
    }
  }

  @Test
  void malformedLabelsAreReportedOneLineEachAndTheRestIsRebuilt() throws Exception {
    Map<String, Object> before;
    try (SnippetStore store = open()) {
      buildChain(store);
      store.create(VolumeSpec.of("torn", 2L * MiB));
      store.snapshot(List.of("torn"), "x");
      store.create(VolumeSpec.of("long", 2L * MiB));
      store.create(VolumeSpec.of("flipped", 2L * MiB));
      before = state(store);
    }
    Map<String, Long> ids = new LinkedHashMap<>();
    try (StoreDb db = new StoreDb(dir.resolve("db"), 1 << 20)) {
      JournalBatch b = new JournalBatch();
      try (var it = db.iterator(Space.LABELS)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          SnippetLabel l = SnippetLabel.decode(it.value());
          String name = l.descriptor().name();
          ids.put(name, l.volumeId());
          byte[] body = Crc32cFrame.open(it.value(), "label");
          byte[] bad = switch (name) {
            case "torn" -> Crc32cFrame.seal(Arrays.copyOf(body, body.length - 3));
            case "long" -> Crc32cFrame.seal(Arrays.copyOf(body, body.length + 1));
            case "flipped" -> {
              byte[] f = it.value().clone();
              f[f.length / 2] ^= 0x10;
              yield f;
            }
            default -> null;
          };
          if (bad != null) {
            b.put(Space.LABELS, it.key(), bad);
          }
        }
      }
      db.apply(List.of(b));
      db.checkpoint();
    }
    lose(Space.CATALOG, Space.LAYERS);

    try (SnippetStore store = open()) {
      assertThat(store.names()).containsExactly("c1", "c2", "v");
      for (String v : CHAIN) {
        assertThat(store.snapshots(v)).isEqualTo(before.get(v + " snapshots"));
        assertThat(content(store, v)).isEqualTo(before.get(v));
      }
      checkReferenceCounts(store);
      RebuildReport r = store.labelIndex().rebuildIndexFromLabels();
      assertThat(r.volumes()).isEqualTo(3);
      assertThat(r.problems()).hasSize(3);
      assertThat(r.problems()).anySatisfy(p -> assertThat(p)
          .startsWith("unreadable label at " + ids.get("torn") + "/0: truncated snippet label"));
      assertThat(r.problems()).anySatisfy(p -> assertThat(p)
          .startsWith("unreadable label at " + ids.get("long") + "/0: 1 bytes after the end"));
      assertThat(r.problems()).anySatisfy(p -> assertThat(p).startsWith("unreadable label at " + ids.get("flipped") + "/0:"));
      assertThat(store.names()).containsExactly("c1", "c2", "v");
    }
  }

  /** A delete on record (its merge not yet run) is in the head label too: a rebuild finishes it, never undoes it. */
  @Test
  void aSnapshotDeleteOnRecordIsFinishedAfterARebuild() throws Exception {
    ByteBuffer live;
    ByteBuffer s2;
    try (SnippetStore store = open()) {
      store.create(new VolumeSpec("v", 4L * MiB, MiB, 512, false));
      write(store, "v", 0, 2 * MiB, 40);
      store.snapshot(List.of("v"), "s1");
      write(store, "v", 0, MiB, 41);
      store.snapshot(List.of("v"), "s2");
      write(store, "v", 2 * MiB, MiB, 42);
      // What deleting s1 commits before its merge runs (the merge is left to the next start).
      Volume v = store.existing("v");
      Layer.Record deleting = store.snapshotOps().existing(v, "s1").record().withKind(Layer.Kind.DELETING);
      JournalBatch b = new JournalBatch().put(Space.LAYERS, StoreDb.key(deleting.id()), deleting.encode());
      store.labelIndex().putHeadLayers(b, v.id(), List.of(deleting), List.of());
      store.commit(b);
      live = content(store, "v");
      s2 = content(store, "v@s2");
    }
    lose(Space.CATALOG, Space.LAYERS);
    try (SnippetStore store = open()) {
      assertThat(store.snapshots("v")).extracting(SnapshotInfo::name).containsExactly("s2");
      assertThat(content(store, "v")).isEqualTo(live);
      assertThat(content(store, "v@s2")).isEqualTo(s2);
      long id = store.show("v").orElseThrow().id();
      assertThat(store.labelIndex().readLabel(new SnippetRef(id, 0)).orElseThrow().layers())
          .as("s2 and the live layer: the merged snapshot left the label with its record")
          .extracting(Layer.Record::kind).containsExactlyInAnyOrder(Layer.Kind.SNAPSHOT, Layer.Kind.LIVE);
    }
  }

  @Test
  void headLabelWithLayersRoundTripsAndRejectsMalformedBytes() {
    VolumeDescriptor d = new VolumeDescriptor(42, "vol", 10L * MiB, 4 << 20, 512, false, 1234, false);
    List<Layer.Record> layers = List.of(
        new Layer.Record(7, 42, 0, Layer.Kind.SNAPSHOT, "s1", 1000, 0),
        new Layer.Record(8, 42, 7, Layer.Kind.DELETING, null, 2000, 99),
        new Layer.Record(9, 42, 8, Layer.Kind.LIVE, null, 3000, 0));
    SnippetLabel head = SnippetLabel.initial(d, 0).withLayers(layers);
    byte[] enc = head.encode();
    assertThat(SnippetLabel.decode(enc)).isEqualTo(head);
    assertThat(SnippetLabel.decode(head.withLayers(List.of()).encode()).layers()).isEmpty();
    assertThat(SnippetLabel.decode(head.withLayers(null).encode()).layers()).isNull();
    for (int i = 0; i < enc.length; i++) {
      byte[] bad = enc.clone();
      bad[i] ^= 1;
      assertThatThrownBy(() -> SnippetLabel.decode(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    byte[] body = Crc32cFrame.open(enc, "label");
    for (int cut = 1; cut < body.length; cut++) {
      byte[] torn = Crc32cFrame.seal(Arrays.copyOf(body, body.length - cut));
      assertThatThrownBy(() -> SnippetLabel.decode(torn)).isInstanceOf(IllegalArgumentException.class);
    }
    // the last layer ends with its kind (1 byte), an empty name (2), created (8) and origin (8)
    byte[] kind = body.clone();
    kind[kind.length - 8 - 8 - 2 - 1] = 9;
    assertThatThrownBy(() -> SnippetLabel.decode(Crc32cFrame.seal(kind))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown layer kind 9");
    byte[] format = body.clone();
    format[0] = 4;
    assertThatThrownBy(() -> SnippetLabel.decode(Crc32cFrame.seal(format))).hasMessage("unknown snippet label format 4");
    assertThatThrownBy(() -> SnippetLabel.initial(d, 0).withLayers(
        List.of(new Layer.Record(7, 43, 0, Layer.Kind.SNAPSHOT, "s", 1, 0))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("carries layer 7 of volume 43");
  }
}
