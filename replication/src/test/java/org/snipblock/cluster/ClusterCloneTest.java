package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.snipblock.cluster.testing.Images.crc;
import static org.snipblock.cluster.testing.Images.random;
import static org.snipblock.cluster.testing.Images.write;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.testing.Eventually;
import org.snipblock.cluster.testing.Images;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeSpec;

/**
 * A clone of a clustered volume is its own clustered volume (own uid, epoch, stream) with the parent
 * link on record, whose copies are local clones of the holders' copies of the parent's snapshot.
 */
class ClusterCloneTest {
  private static final Duration T = Duration.ofSeconds(60);
  private static final int SIZE = 1 << 20;
  @TempDir Path dir;
  private TestCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private int primaryOf(String volume) {
    return Integer.parseInt(cluster.node(0).volumes().describe(volume).orElseThrow().primary().substring(1));
  }

  private void start() throws Exception {
    cluster = TestCluster.threeCompartments(dir, new ReplicationSettings(1 << 20, Duration.ofSeconds(10), 0,
        Duration.ofSeconds(1), Duration.ofMinutes(10)));
  }

  private void create(String name, boolean readOnly) {
    cluster.node(0).volumes().create(new VolumeSpec(name, SIZE, TestCluster.SNIPPET, 512, false, readOnly),
        new RedundancyPolicy(3, 2, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    Eventually.await("every node applied " + name, T, () -> cluster.nodes.stream()
        .allMatch(n -> n.volumes().show(name).isPresent()));
    Eventually.await("the primary of " + name + " serves", T,
        () -> cluster.node(primaryOf(name)).volumes().openPrimary(name).isPresent());
  }

  @Test
  void everyCopyOfACloneIsALocalCloneOfTheParentsSnapshotAndSurvivesAFailover() throws Exception {
    start();
    create("gold", false);
    byte[] image = random(SIZE, 30);
    byte[] later = random(SIZE / 2, 31);
    int p = primaryOf("gold");
    try (BlockDevice d = cluster.node(p).volumes().open("gold").orElseThrow()) {
      write(d, image, 0, SIZE);
      cluster.node(p).snapshots().take("gold", "s1").get(30, TimeUnit.SECONDS);
      d.write(0, ByteBuffer.wrap(later), true).get(30, TimeUnit.SECONDS);
    }
    int other = (p + 1) % 3;
    assertThatThrownBy(() -> cluster.node(other).snapshots().cloneOf("gold", "s1", "web", 0))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("its primary is n" + p);
    assertThatThrownBy(() -> cluster.node(p).snapshots().cloneOf("gold", "nope", "web", 0))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("no snapshot named nope");
    assertThatThrownBy(() -> cluster.node(p).snapshots().cloneOf("gold", "s1", "web", SIZE / 2))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("cannot be smaller");
    assertThatThrownBy(() -> cluster.node(p).snapshots().cloneOf("gold", "s1", "gold", 0))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("already exists");
    assertThat(cluster.node(0).volumes().show("web")).isEmpty();

    cluster.node(p).snapshots().cloneOf("gold", "s1", "web", 2 * SIZE);
    Eventually.await("every node applied the clone", T, () -> cluster.nodes.stream()
        .allMatch(n -> n.volumes().show("web").isPresent()));
    ClusterVolume web = cluster.node(other).volumes().describe("web").orElseThrow();
    ClusterVolume gold = cluster.node(other).volumes().describe("gold").orElseThrow();
    assertThat(web.uid()).isNotEqualTo(gold.uid());
    assertThat(web.primary()).isEqualTo(gold.primary());
    assertThat(web.size()).isEqualTo(2L * SIZE);
    assertThat(web.snippetReplicas().subList(0, gold.snippetReplicas().size())).isEqualTo(gold.snippetReplicas());
    assertThat(cluster.node(other).volumes().show("web").orElseThrow().parent()).isEqualTo("gold@s1");
    for (int n = 0; n < 3; n++) {
      int i = n;
      Eventually.await("n" + i + " holds its copy of web", T, () -> cluster.stores.get(i).show("web").isPresent());
      assertThat(cluster.stores.get(i).show("web").orElseThrow().parent()).as("n" + i + "'s copy shares")
          .isEqualTo("gold@s1");
    }

    byte[] expected = new byte[2 * SIZE];
    System.arraycopy(image, 0, expected, 0, SIZE);
    assertThat(Images.crcOfCopy(cluster.node(other).volumes(), "web", 2 * SIZE)).isEqualTo(crc(expected));
    byte[] own = random(3 * 4096, 32);
    try (BlockDevice d = cluster.node(other).volumes().open("web").orElseThrow()) {
      d.write(SIZE - 4096, ByteBuffer.wrap(own), true).get(30, TimeUnit.SECONDS);
    }
    System.arraycopy(own, 0, expected, SIZE - 4096, own.length);
    for (int n = 0; n < 3; n++) {
      int i = n;
      long want = crc(expected);
      // Acknowledged on a write quorum: the third copy may apply it a moment later.
      Eventually.await("web on n" + n, T, () -> {
        try {
          return Images.crcOfCopy(cluster.stores.get(i), "web", 2 * SIZE) == want;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertThat(Images.crcOfCopy(cluster.stores.get(n), "gold@s1", SIZE)).as("gold@s1 on n" + n)
          .isEqualTo(crc(image));
    }

    // Clones are counted cluster-wide: neither the snapshot nor the parent may go while web reads through them.
    assertThatThrownBy(() -> cluster.node(p).snapshots().delete("gold", "s1"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("used by clones web");
    assertThatThrownBy(() -> cluster.node(other).volumes().delete("gold"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("has clones").hasMessageContaining("web");

    cluster.node(p).close();
    Eventually.await("web has a new primary", T, () -> cluster.node(other).volumes().describe("web")
        .map(v -> v.epoch() == 2 && !v.primary().equals("n" + p)).orElse(false));
    int q = Integer.parseInt(cluster.node(other).volumes().describe("web").orElseThrow().primary().substring(1));
    Eventually.await("the new primary of web serves", T, () -> cluster.node(q).volumes().openPrimary("web").isPresent());
    assertThat(Images.crcOfCopy(cluster.node(q).volumes(), "web", 2 * SIZE)).as("the failover keeps the clone")
        .isEqualTo(crc(expected));
    byte[] more = random(4096, 33);
    try (BlockDevice d = cluster.node(q).volumes().open("web").orElseThrow()) {
      d.write(4096, ByteBuffer.wrap(more), true).get(30, TimeUnit.SECONDS);
    }
    System.arraycopy(more, 0, expected, 4096, more.length);
    assertThat(Images.crcOfCopy(cluster.node(q).volumes(), "web", 2 * SIZE)).isEqualTo(crc(expected));

    cluster.node(q).volumes().delete("web");
    Eventually.await("gold has a new primary", T, () -> cluster.node(q).volumes().describe("gold")
        .map(v -> v.epoch() == 2).orElse(false));
    int g = primaryOf("gold") == p ? q : Integer.parseInt(cluster.node(q).volumes().describe("gold").orElseThrow()
        .primary().substring(1));
    Eventually.await("the new primary of gold serves", T, () -> cluster.node(g).volumes().openPrimary("gold").isPresent());
    cluster.node(g).snapshots().delete("gold", "s1").get(30, TimeUnit.SECONDS);
    for (int n : new int[] {other, 3 - p - other}) {
      Eventually.await("n" + n + " dropped web and s1", T, () -> cluster.stores.get(n).show("web").isEmpty()
          && cluster.stores.get(n).snapshots("gold").isEmpty());
    }
  }

  /**
   * Flattening a clustered clone: every holder copies what its copy reads from its own copy of the
   * parent (the clone's own snapshots included), then the link goes cluster-wide and the parent's
   * snapshot can be deleted, with the clone's content unchanged on every copy.
   */
  @Test
  void aFlattenedCloneKeepsItsContentOnEveryCopyAndFreesTheParentsSnapshot() throws Exception {
    start();
    create("base", false);
    byte[] image = random(SIZE, 40);
    int p = primaryOf("base");
    try (BlockDevice d = cluster.node(p).volumes().open("base").orElseThrow()) {
      write(d, image, 0, SIZE);
      cluster.node(p).snapshots().take("base", "s1").get(30, TimeUnit.SECONDS);
    }
    cluster.node(p).snapshots().cloneOf("base", "s1", "vm", 0);
    int other = (p + 1) % 3;
    Eventually.await("every node applied the clone", T, () -> cluster.nodes.stream()
        .allMatch(n -> n.volumes().show("vm").isPresent()));
    Eventually.await("the primary of vm serves", T, () -> cluster.node(p).volumes().openPrimary("vm").isPresent());
    byte[] expected = image.clone();
    byte[] own = random(8192, 41);
    try (BlockDevice d = cluster.node(other).volumes().open("vm").orElseThrow()) {
      d.write(65536, ByteBuffer.wrap(own), true).get(30, TimeUnit.SECONDS);
      System.arraycopy(own, 0, expected, 65536, own.length);
      cluster.node(p).snapshots().take("vm", "w1").get(30, TimeUnit.SECONDS);
      d.write(0, ByteBuffer.wrap(own), true).get(30, TimeUnit.SECONDS);
    }
    byte[] atW1 = expected.clone();
    System.arraycopy(own, 0, expected, 0, own.length);

    assertThatThrownBy(() -> cluster.node(other).snapshots().flatten("base"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("volume base is not a clone");
    assertThatThrownBy(() -> cluster.node(other).snapshots().flatten("nope"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("no volume named nope");
    assertThat(cluster.node(other).volumes().show("base").orElseThrow().parent()).isNull();

    cluster.node(other).snapshots().flatten("vm");
    Eventually.await("the parent link is gone everywhere", T, () -> cluster.nodes.stream()
        .allMatch(n -> n.volumes().show("vm").orElseThrow().parent() == null));
    assertThat(cluster.node(p).snapshots().cloneState("vm").orElseThrow().flattenWaitingFor()).isEmpty();
    org.snipblock.store.BackgroundProgress done = cluster.node(p).volumes().show("vm").orElseThrow().flatten();
    assertThat(done).as("the primary's own copy was flattened here").isNotNull();
    assertThat(done.running()).isFalse();
    assertThat(done.snippetsDone()).isEqualTo(done.snippetsTotal());
    cluster.node(p).snapshots().delete("base", "s1").get(30, TimeUnit.SECONDS);
    for (int n = 0; n < 3; n++) {
      int i = n;
      Eventually.await("n" + i + " dropped base@s1", T, () -> cluster.stores.get(i).snapshots("base").isEmpty());
      assertThat(cluster.stores.get(n).show("vm").orElseThrow().parent()).as("n" + n + "'s copy").isNull();
      long want = crc(expected);
      Eventually.await("vm on n" + n, T, () -> {
        try {
          return Images.crcOfCopy(cluster.stores.get(i), "vm", SIZE) == want;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertThat(Images.crcOfCopy(cluster.stores.get(n), "vm@w1", SIZE)).as("vm@w1 on n" + n).isEqualTo(crc(atW1));
    }
    assertThat(cluster.node(p).verify("vm").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }

  /**
   * A holder down while a clone is flattened flattens its copy once it is back: until then the
   * parent link stays on record (waiting for it) and the parent's snapshot cannot be deleted.
   */
  @Test
  void aHolderDownDuringAFlattenFlattensItsCopyWhenBack() throws Exception {
    start();
    create("base", false);
    byte[] image = random(SIZE, 50);
    int p = primaryOf("base");
    try (BlockDevice d = cluster.node(p).volumes().open("base").orElseThrow()) {
      write(d, image, 0, SIZE);
      cluster.node(p).snapshots().take("base", "s1").get(30, TimeUnit.SECONDS);
    }
    cluster.node(p).snapshots().cloneOf("base", "s1", "vm", 0);
    Eventually.await("every node applied the clone", T, () -> cluster.nodes.stream()
        .allMatch(n -> n.volumes().show("vm").isPresent()));
    Eventually.await("the primary of vm serves", T, () -> cluster.node(p).volumes().openPrimary("vm").isPresent());
    byte[] expected = image.clone();
    byte[] own = random(8192, 51);
    try (BlockDevice d = cluster.node(p).volumes().open("vm").orElseThrow()) {
      d.write(8192, ByteBuffer.wrap(own), true).get(30, TimeUnit.SECONDS);
    }
    System.arraycopy(own, 0, expected, 8192, own.length);
    int h = (p + 1) % 3;
    Eventually.await("every copy of vm holds the write", T, () -> cluster.node(p).volumes().describe("vm")
        .map(v -> v.lagBytes() == 0).orElse(false));
    cluster.node(h).close();

    cluster.node(p).snapshots().flatten("vm");
    Eventually.await("the flatten waits only for n" + h, T, () -> cluster.node(p).snapshots().cloneState("vm")
        .map(c -> c.flattenWaitingFor().equals(List.of("n" + h))).orElse(false));
    assertThatThrownBy(() -> cluster.node(p).snapshots().delete("base", "s1"))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("used by clones vm");

    cluster.restart(h);
    Eventually.await("the parent link is gone everywhere", T, () -> cluster.nodes.stream()
        .allMatch(n -> n.volumes().show("vm").map(v -> v.parent() == null).orElse(false)));
    assertThat(cluster.stores.get(h).show("vm").orElseThrow().parent()).as("n" + h + "'s own copy").isNull();
    assertThat(Images.crcOfCopy(cluster.stores.get(h), "vm", SIZE)).isEqualTo(crc(expected));
    cluster.node(p).snapshots().delete("base", "s1").get(30, TimeUnit.SECONDS);
    // The restarted holder came back stale: verify counts its copy once its resync is done.
    Eventually.await("n" + h + "'s copy of vm in sync", T, () -> cluster.node(p).volumes().describe("vm")
        .map(v -> v.stale().isEmpty()).orElse(false));
    assertThat(cluster.node(p).verify("vm").get(60, TimeUnit.SECONDS).clean()).isTrue();
  }

  @Test
  void aReadOnlyVolumeRefusesWritesThroughEveryDoorUntilMadeWritable() throws Exception {
    start();
    create("tmpl", true);
    int p = primaryOf("tmpl");
    int other = (p + 1) % 3;
    assertThat(cluster.node(other).volumes().show("tmpl").orElseThrow().readOnly()).isTrue();
    for (int n : new int[] {p, other}) {
      try (BlockDevice d = cluster.node(n).volumes().open("tmpl").orElseThrow()) {
        assertThat(d.readOnly()).as("door on n" + n).isTrue();
        assertThatThrownBy(() -> d.write(0, ByteBuffer.allocate(4096), false).get(30, TimeUnit.SECONDS))
            .hasCauseInstanceOf(BlockDeviceException.class).hasMessageContaining("read-only");
      }
    }
    cluster.node(other).volumes().setReadOnly("tmpl", false);
    Eventually.await("every node applied the change", T, () -> cluster.nodes.stream()
        .noneMatch(n -> n.volumes().show("tmpl").orElseThrow().readOnly()));
    byte[] data = random(4096, 34);
    try (BlockDevice d = cluster.node(other).volumes().open("tmpl").orElseThrow()) {
      assertThat(d.readOnly()).isFalse();
      d.write(0, ByteBuffer.wrap(data), true).get(30, TimeUnit.SECONDS);
      assertThat(Images.read(d, 0, 4096)).isEqualTo(data);
    }
    assertThatThrownBy(() -> cluster.node(p).volumes().setReadOnly("nope", true))
        .isInstanceOf(VolumeAdminException.class).hasMessageContaining("no volume named nope");
  }
}
