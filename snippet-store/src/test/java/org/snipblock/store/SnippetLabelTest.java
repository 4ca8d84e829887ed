package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.snipblock.store.SnippetStoreTest.await;
import static org.snipblock.store.SnippetStoreTest.random;
import static org.snipblock.store.SnippetStoreTest.read;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.store.journal.JournalBatch;
import org.snipblock.store.journal.JournalBatch.Space;

class SnippetLabelTest {
  private static final long MiB = 1 << 20;

  @TempDir Path dir;

  @Test
  void labelEncodingRoundTripsAndDetectsCorruption() {
    VolumeDescriptor d = new VolumeDescriptor(42, "vol", 10 * MiB, 4 << 20, 512, true, 1234, false);
    SnippetLabel l = SnippetLabel.initial(d, 1).withReplicas(List.of("site/c/r/h1", "site/c/r2/h2"))
        .withMode(SnippetLabel.Mode.ASYNC);
    byte[] enc = l.encode();
    assertThat(SnippetLabel.decode(enc)).isEqualTo(l);
    assertThat(l.previous()).isEqualTo(new SnippetRef(42, 0));
    assertThat(l.next()).isEqualTo(new SnippetRef(42, 2));
    assertThat(SnippetLabel.initial(d, 2).next()).isNull();
    for (int i = 0; i < enc.length; i++) {
      byte[] bad = enc.clone();
      bad[i] ^= 1;
      assertThatThrownBy(() -> SnippetLabel.decode(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> SnippetLabel.decode(new byte[3])).isInstanceOf(IllegalArgumentException.class);
    assertThat(VolumeDescriptor.decode(d.encode())).isEqualTo(d);
  }

  @Test
  void everySnippetAndTheDescriptorAreFoundFromAnyEntryPoint() {
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults().withDefaultSnippetSize(1 << 20))) {
      VolumeInfo v = store.create(VolumeSpec.of("walk", 7 * MiB + 4096));
      store.create(VolumeSpec.of("other", 3 * MiB));
      List<SnippetLabel> all = store.labels("walk");
      assertThat(all).hasSize(8);
      for (SnippetLabel start : all) {
        VolumeWalk w = store.walkFrom(start.ref());
        assertThat(w.snippets()).isEqualTo(all);
        assertThat(w.descriptor().name()).isEqualTo("walk");
        assertThat(w.descriptor().size()).isEqualTo(v.provisionedBytes());
        assertThat(w.snippets()).extracting(SnippetLabel::index).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aBigVolumeIsUsableAtOnceAndItsLabelsAreFinishedAfterACrash() throws Exception {
    long size = 256L << 30; // 65536 labels of 4 MiB snippets
    SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults());
    store.create(VolumeSpec.of("big", size));
    BlockDevice d = store.open("big").orElseThrow();
    ByteBuffer data = random(4096, 7);
    d.write(size - 4096, data.duplicate(), true).get(30, java.util.concurrent.TimeUnit.SECONDS);
    store.closeAbruptly(); // the labels may not all be written yet
    try (SnippetStore again = SnippetStore.open(dir, StoreConfig.defaults())) {
      List<SnippetLabel> labels = again.labels("big");
      assertThat(labels).hasSize(65536);
      assertThat(again.walkFrom(labels.get(12345).ref()).snippets()).hasSize(65536);
      assertThat(read(again.open("big").orElseThrow(), size - 4096, 4096)).isEqualTo(data);
    }
  }

  @Test
  void catalogIsRebuiltFromLabelsAlone() throws Exception {
    Map<String, ByteBuffer> written = new HashMap<>();
    List<VolumeInfo> before;
    Map<String, List<SnippetLabel>> labelsBefore = new HashMap<>();
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults().withDefaultSnippetSize(1 << 20))) {
      store.create(new VolumeSpec("alpha", 5 * MiB, 0, 512, true));
      store.create(new VolumeSpec("beta", 3 * MiB, 256 << 10, 4096, false));
      store.create(VolumeSpec.of("gamma", 2 * MiB));
      store.resize("gamma", 4 * MiB);
      store.updateLabel(new SnippetRef(store.show("beta").orElseThrow().id(), 2),
          l -> l.withReplicas(List.of("dc1/c1/r1/n2")).withMode(SnippetLabel.Mode.ASYNC));
      for (String n : List.of("alpha", "beta", "gamma")) {
        BlockDevice d = store.open(n).orElseThrow();
        ByteBuffer data = random((int) MiB, n.hashCode());
        await(d.write(MiB, data.duplicate(), false));
        written.put(n, data);
        labelsBefore.put(n, store.labels(n));
      }
      before = store.list();
    }

    // lose the whole catalog
    try (StoreDb db = new StoreDb(dir.resolve("db"), 1 << 20)) {
      db.apply(List.of(new JournalBatch().deleteRange(Space.CATALOG, StoreDb.key(0), StoreDb.key(Long.MAX_VALUE))));
      db.checkpoint();
      try (var it = db.iterator(Space.CATALOG)) {
        it.seekToFirst();
        assertThat(it.isValid()).isFalse();
      }
    }

    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      assertThat(store.list()).isEqualTo(before);
      for (String n : List.of("alpha", "beta", "gamma")) {
        assertThat(store.labels(n)).isEqualTo(labelsBefore.get(n));
        assertThat(read(store.open(n).orElseThrow(), MiB, (int) MiB)).isEqualTo(written.get(n));
      }
      SnippetLabel updated = store.readLabel(new SnippetRef(store.show("beta").orElseThrow().id(), 2)).orElseThrow();
      assertThat(updated.replicas()).containsExactly("dc1/c1/r1/n2");
      assertThat(updated.mode()).isEqualTo(SnippetLabel.Mode.ASYNC);
      // an explicit rebuild on a healthy store changes nothing
      RebuildReport r = store.rebuildIndexFromLabels();
      assertThat(r.volumes()).isEqualTo(3);
      assertThat(r.snippets()).isEqualTo(5 + 12 + 4);
      assertThat(r.problems()).isEmpty();
      assertThat(store.list()).isEqualTo(before);
    }
  }

  @Test
  void updateLabelBumpsGenerationAndKeepsIdentityAndLinks() throws Exception {
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      long id = store.create(VolumeSpec.of("u", 12 * MiB)).id();
      SnippetRef ref = new SnippetRef(id, 1);
      SnippetLabel before = store.readLabel(ref).orElseThrow();
      SnippetLabel after = store.updateLabel(ref, l -> new SnippetLabel(l.volumeId(), 99, null, null,
          l.descriptor(), 0, SnippetLabel.Mode.ASYNC, List.of("n1", "n2")));
      assertThat(after.generation()).isEqualTo(before.generation() + 1);
      assertThat(after.index()).isEqualTo(1);
      assertThat(after.previous()).isEqualTo(before.previous());
      assertThat(after.next()).isEqualTo(before.next());
      assertThat(after.replicas()).containsExactly("n1", "n2");
      assertThat(store.readLabel(ref)).contains(after);
      assertThat(store.readLabel(new SnippetRef(id, 3))).isEmpty();
      assertThatThrownBy(() -> store.updateLabel(new SnippetRef(id, 3), l -> l))
          .isInstanceOf(VolumeAdminException.class);
    }
  }
}
