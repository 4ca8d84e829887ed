package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.store.SnippetStoreTest.await;
import static org.snipblock.store.SnippetStoreTest.random;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;

/**
 * Listing a volume's snapshots waits for no admin step under way (issue #10): the answer to
 * {@code volume set --mode} lists them while the switch's label rewrite holds the admin lock
 * through a journal sync, which under write load took up to a second. Each step here is held in
 * its sync by the journal's file layer; the listing must come back meanwhile, showing the list as it
 * was before the step (never part of it), and the step's result once the step has returned.
 */
class SnapshotListingTest {
  private static final int MiB = 1 << 20;
  /** Far longer than a listing takes: past it, the listing is stuck behind the held step. */
  private static final long BOUND_SECONDS = 10;

  @TempDir Path dir;
  private FaultyJournalIo io;
  private SnippetStore store;
  // One thread for the held step, one for the listing that must not wait for it.
  private final ExecutorService threads = Executors.newFixedThreadPool(2);

  @BeforeEach
  void openWithSnapshotsAndAClone() throws Exception {
    // No checkpoint by size or time: the only syncs are those the steps ask for.
    store = SnippetStore.open(dir, StoreConfig.defaults().withDefaultSnippetSize(MiB).withIoThreads(2)
        .withCheckpoint(64L << 20, Duration.ofHours(1))
        .withJournalIo(d -> io = new FaultyJournalIo(d, new Random(1))));
    store.create(new VolumeSpec("v", 4L * MiB, MiB, 512, false));
    BlockDevice d = store.open("v").orElseThrow();
    await(d.write(0, random(2 * MiB, 1), true));
    store.snapshot(List.of("v"), "s1");
    await(d.write(MiB, random(2 * MiB, 2), true));
    store.snapshot(List.of("v"), "s2");
    await(d.write(3 * MiB, random(MiB, 3), true));
    d.close();
    store.cloneVolume("v", "s1", "c1", 0);
  }

  @AfterEach
  void close() {
    if (io != null) {
      io.releaseSyncs();
    }
    threads.shutdownNow();
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aLabelRewriteHeldInItsSyncDoesNotHoldUpTheList() throws Exception {
    long id = store.show("v").orElseThrow().id();
    StripeLabels.Stripe async = new StripeLabels.Stripe(SnippetLabel.Mode.ASYNC, List.of("n1", "n2", "n3"));
    Object changed = heldStep("the label rewrite", () -> store.labelIndex().setStripeLabels(id, List.of(async)));
    assertThat(changed).isEqualTo(true);
    assertThat(store.labelIndex().readLabel(new SnippetRef(id, 2)).orElseThrow().mode()).isEqualTo(SnippetLabel.Mode.ASYNC);
  }

  @Test
  void snapshotsClonesAndDeletesHeldInTheirSyncsAreListedOnlyOnceDone() throws Exception {
    heldStep("a snapshot", () -> store.snapshot(List.of("v"), "s3"));
    assertThat(listed()).extracting(SnapshotInfo::name).containsExactly("s1", "s2", "s3");

    heldStep("a clone", () -> store.cloneVolume("v", "s1", "c2", 0));
    assertThat(listed().get(0).clones()).containsExactly("c1", "c2");

    heldStep("a snapshot delete", () -> {
      store.deleteSnapshotLater("v", "s2");
      return null;
    });
    assertThat(listed()).extracting(SnapshotInfo::name).containsExactly("s1", "s3");
  }

  /**
   * Runs {@code step} with its journal sync held, lists the snapshots meanwhile (they must equal
   * those before the step, and the step must still be waiting), then lets the step finish.
   */
  private Object heldStep(String what, Callable<?> step) throws Exception {
    List<SnapshotInfo> before = listed();
    CompletableFuture<Void> waiting = io.holdSyncs();
    Future<?> running = threads.submit(step);
    waiting.get(BOUND_SECONDS, TimeUnit.SECONDS);
    assertThat(listed()).as("the snapshots listed while %s waits for its sync", what).isEqualTo(before);
    assertThat(running).as("%s is still in its sync", what).isNotDone();
    io.releaseSyncs();
    return running.get(BOUND_SECONDS, TimeUnit.SECONDS);
  }

  /** The snapshots of {@code v}, listed on another thread; fails if that takes longer than the bound. */
  private List<SnapshotInfo> listed() throws Exception {
    Future<List<SnapshotInfo>> list = threads.submit(() -> store.snapshots("v"));
    try {
      return list.get(BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("listing the snapshots did not return within " + BOUND_SECONDS
          + " s: it waits for the admin step under way", e);
    }
  }
}
