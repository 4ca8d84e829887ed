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
      List<SnippetLabel> all = store.labelIndex().labels("walk");
      assertThat(all).hasSize(8);
      for (SnippetLabel start : all) {
        VolumeWalk w = store.labelIndex().walkFrom(start.ref());
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
  void aBigVolumeStoresOneLabelYetEverySnippetHasOneAfterACrash() throws Exception {
    long size = 1L << 40; // 262144 snippets of 4 MiB
    SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults());
    long id = store.create(VolumeSpec.of("big", size)).id();
    long cloneId = store.cloneVolume("big", store.snapshot(List.of("big"), "s").get(0).name(), "big-clone", size).id();
    BlockDevice d = store.open("big").orElseThrow();
    ByteBuffer data = random(4096, 7);
    d.write(size - 4096, data.duplicate(), true).get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(storedLabels(store, id)).isEqualTo(1);
    assertThat(storedLabels(store, cloneId)).isEqualTo(1);
    store.closeAbruptly();
    try (SnippetStore again = SnippetStore.open(dir, StoreConfig.defaults())) {
      SnippetLabel last = again.labelIndex().readLabel(new SnippetRef(id, 262143)).orElseThrow();
      assertThat(last.next()).isNull();
      assertThat(last.previous()).isEqualTo(new SnippetRef(id, 262142));
      assertThat(last.descriptor().name()).isEqualTo("big");
      assertThat(again.labelIndex().readLabel(new SnippetRef(id, 262144))).isEmpty();
      assertThat(again.labelIndex().labels("big")).hasSize(262144);
      assertThat(again.labelIndex().readLabel(new SnippetRef(cloneId, 5)).orElseThrow().descriptor().name())
          .isEqualTo("big-clone");
      assertThat(read(again.open("big").orElseThrow(), size - 4096, 4096)).isEqualTo(data);
    }
  }

  @Test
  void stripeLabelsGiveEverySnippetItsStripesCopiesInOneWrite() throws Exception {
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults().withDefaultSnippetSize(1 << 20))) {
      long id = store.create(VolumeSpec.of("striped", 7 * MiB)).id();
      SnippetLabels labels = store.labelIndex();
      SnippetLabel own = labels.updateLabel(new SnippetRef(id, 4), l -> l.withReplicas(List.of("x")));
      assertThat(storedLabels(store, id)).isEqualTo(2);
      StripeLabels.Stripe a = new StripeLabels.Stripe(SnippetLabel.Mode.SYNC, List.of("n1", "n2"));
      StripeLabels.Stripe b = new StripeLabels.Stripe(SnippetLabel.Mode.ASYNC, List.of("n2", "n3"));
      assertThat(labels.setStripeLabels(id, List.of(a, b))).isTrue();
      assertThat(labels.setStripeLabels(id, List.of(a, b))).as("the same table again changes nothing").isFalse();
      List<SnippetLabel> all = labels.labels("striped");
      for (SnippetLabel l : all) {
        StripeLabels.Stripe want = l.index() % 2 == 0 ? a : b;
        assertThat(l.replicas()).as("snippet %d", l.index()).isEqualTo(want.replicas());
        assertThat(l.mode()).isEqualTo(want.mode());
      }
      assertThat(all.get(4).generation()).as("the stripe's label supersedes the one rewritten alone")
          .isGreaterThan(own.generation() - 1);
      assertThat(storedLabels(store, id)).as("the head label only").isEqualTo(1);
    }
    // the table is durable and still read after a restart
    try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
      long id = store.show("striped").orElseThrow().id();
      assertThat(store.labelIndex().readLabel(new SnippetRef(id, 5)).orElseThrow().replicas()).containsExactly("n2", "n3");
      assertThat(store.labelIndex().readLabel(new SnippetRef(id, 0)).orElseThrow().replicas()).containsExactly("n1", "n2");
    }
  }

  @Test
  void stripeLabelsEncodingRoundTripsAndRejectsBadInput() {
    StripeLabels t = new StripeLabels(7, List.of(new StripeLabels.Stripe(SnippetLabel.Mode.ASYNC, List.of("a", "b")),
        new StripeLabels.Stripe(SnippetLabel.Mode.SYNC, List.of())));
    byte[] enc = t.encode();
    assertThat(StripeLabels.decode(enc)).isEqualTo(t);
    for (int i = 0; i < enc.length; i++) {
      byte[] bad = enc.clone();
      bad[i] ^= 1;
      assertThatThrownBy(() -> StripeLabels.decode(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> StripeLabels.decode(new byte[2])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StripeLabels.decode(Crc32cFrame.seal(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 7, 0x7f, 0, 0, 0})))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** How many labels the store keeps for a volume (the others follow from the head and the stripes). */
  private static long storedLabels(SnippetStore store, long id) {
    long n = 0;
    try (var it = store.db().iterator(Space.LABELS)) {
      for (it.seek(StoreDb.key(id, 0)); it.isValid() && StoreDb.first(it.key()) == id; it.next()) {
        n++;
      }
    }
    return n;
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
      store.labelIndex().updateLabel(new SnippetRef(store.show("beta").orElseThrow().id(), 2),
          l -> l.withReplicas(List.of("dc1/c1/r1/n2")).withMode(SnippetLabel.Mode.ASYNC));
      for (String n : List.of("alpha", "beta", "gamma")) {
        BlockDevice d = store.open(n).orElseThrow();
        ByteBuffer data = random((int) MiB, n.hashCode());
        await(d.write(MiB, data.duplicate(), false));
        written.put(n, data);
      }
      store.setReadOnly("gamma", true);
      for (String n : List.of("alpha", "beta", "gamma")) {
        labelsBefore.put(n, store.labelIndex().labels(n));
      }
      before = store.list();
      assertThat(before).filteredOn(v -> v.name().equals("gamma")).extracting(VolumeInfo::readOnly).containsExactly(true);
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
        assertThat(store.labelIndex().labels(n)).isEqualTo(labelsBefore.get(n));
        assertThat(read(store.open(n).orElseThrow(), MiB, (int) MiB)).isEqualTo(written.get(n));
      }
      SnippetLabel updated = store.labelIndex().readLabel(new SnippetRef(store.show("beta").orElseThrow().id(), 2)).orElseThrow();
      assertThat(updated.replicas()).containsExactly("dc1/c1/r1/n2");
      assertThat(updated.mode()).isEqualTo(SnippetLabel.Mode.ASYNC);
      // an explicit rebuild on a healthy store changes nothing
      RebuildReport r = store.labelIndex().rebuildIndexFromLabels();
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
      SnippetLabel before = store.labelIndex().readLabel(ref).orElseThrow();
      SnippetLabel after = store.labelIndex().updateLabel(ref, l -> new SnippetLabel(l.volumeId(), 99, null, null,
          l.descriptor(), 0, SnippetLabel.Mode.ASYNC, List.of("n1", "n2"), null));
      assertThat(after.generation()).isEqualTo(before.generation() + 1);
      assertThat(after.index()).isEqualTo(1);
      assertThat(after.previous()).isEqualTo(before.previous());
      assertThat(after.next()).isEqualTo(before.next());
      assertThat(after.replicas()).containsExactly("n1", "n2");
      assertThat(store.labelIndex().readLabel(ref)).contains(after);
      assertThat(store.labelIndex().readLabel(new SnippetRef(id, 3))).isEmpty();
      assertThatThrownBy(() -> store.labelIndex().updateLabel(new SnippetRef(id, 3), l -> l))
          .isInstanceOf(VolumeAdminException.class);
    }
  }
}
