package org.snipblock.node.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.store.SnapshotInfo;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StoreConfig;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeSpec;

/** Export and import on one store, without the admin API: undo, lineage, and what is refused. */
class VolumeImporterTest {
  private static final int MiB = 1 << 20;

  @TempDir Path dir;
  SnippetStore store;
  VolumeExporter exporter;
  VolumeImporter importer;

  @BeforeEach
  void open() throws Exception {
    store = SnippetStore.open(dir, StoreConfig.defaults().withIoThreads(2));
    exporter = new VolumeExporter(store, store);
    importer = new VolumeImporter(store, store);
    store.create(new VolumeSpec("src", 4L * MiB, MiB, 512, false));
    write("src", 0, random(2 * MiB, 1));
    write("src", 3 * MiB + 4096, random(4096, 6)); // a second extent, so a damaged last one comes after one applied
    store.snapshot(List.of("src"), "s1");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private void write(String volume, long offset, byte[] data) {
    try (BlockDevice d = store.open(volume).orElseThrow()) {
      d.write(offset, ByteBuffer.wrap(data), false).join();
    }
  }

  private byte[] content(String name) {
    try (BlockDevice d = store.open(name).orElseThrow()) {
      ByteBuffer b = ByteBuffer.allocate((int) d.size());
      d.read(0, b).join();
      return b.array();
    }
  }

  private byte[] export(String volume, String snapshot, String since) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (VolumeExporter.Export e = exporter.prepare(volume, snapshot, since)) {
      e.writeTo(out, done -> { });
    }
    return out.toByteArray();
  }

  private VolumeImporter.Result importInto(String volume, byte[] stream) throws IOException {
    return importer.run(volume, new ByteArrayInputStream(stream));
  }

  private static byte[] damaged(byte[] stream) {
    byte[] b = stream.clone();
    b[b.length - 100] ^= 1; // inside the last data extent, after earlier extents were applied
    return b;
  }

  @Test
  void aFullStreamFailingPartWayLeavesNoVolume() throws IOException {
    byte[] full = export("src", "s1", null);
    assertThatThrownBy(() -> importInto("copy", damaged(full)))
        .isInstanceOf(StreamFormatException.class).hasMessageContaining("CRC32C mismatch");
    assertThat(store.show("copy")).isEmpty();
    assertThatThrownBy(() -> importInto("copy", Arrays.copyOf(full, full.length - 10)))
        .hasMessageContaining("truncated");
    assertThat(store.show("copy")).isEmpty();
  }

  @Test
  void anIncrementalStreamFailingPartWayIsRolledBackToItsBase() throws IOException {
    importInto("copy", export("src", "s1", null));
    write("src", MiB, random(8192, 2));
    write("src", 3 * MiB, random(4096, 3));
    store.snapshot(List.of("src"), "s2");
    byte[] inc = export("src", "s2", "s1");
    byte[] before = content("copy");
    assertThatThrownBy(() -> importInto("copy", damaged(inc))).isInstanceOf(StreamFormatException.class);
    assertThat(content("copy")).isEqualTo(before);
    assertThat(store.snapshots("copy")).extracting(SnapshotInfo::name).containsExactly("s1");

    VolumeImporter.Result r = importInto("copy", inc);
    assertThat(r.incremental()).isTrue();
    assertThat(r.dataBytes()).isEqualTo(8192 + 4096);
    assertThat(content("copy")).isEqualTo(content("src@s2"));
  }

  @Test
  void changesTravelBackFromACopyToTheOriginal() throws IOException {
    importInto("copy", export("src", "s1", null));
    SnapshotInfo copied = store.snapshots("copy").get(0);
    assertThat(copied.origin()).isEqualTo(store.snapshots("src").get(0).id());
    write("copy", 0, random(4096, 4));
    store.snapshot(List.of("copy"), "c2");
    importInto("src", export("copy", "c2", "s1"));
    assertThat(content("src")).isEqualTo(content("copy@c2"));
    // And on to a copy of the copy.
    importInto("third", export("copy", "c2", null));
    write("src", 2 * MiB, random(4096, 5));
    store.snapshot(List.of("src"), "s3");
    importInto("third", export("src", "s3", "c2"));
    assertThat(content("third")).isEqualTo(content("src@s3"));
  }

  @Test
  void fullStreamsGoOnlyIntoNewOrUnwrittenVolumesOfTheSameSize() throws IOException {
    byte[] full = export("src", "s1", null);
    store.create(new VolumeSpec("empty", 4L * MiB, MiB, 512, false));
    importInto("empty", full);
    assertThat(content("empty")).isEqualTo(content("src@s1"));
    assertThatThrownBy(() -> importInto("src", full)).isInstanceOf(VolumeAdminException.class)
        .hasMessageContaining("has been written");
    store.create(new VolumeSpec("small", 2L * MiB, MiB, 512, false));
    assertThatThrownBy(() -> importInto("small", full)).hasMessageContaining("is 2097152 bytes");
    assertThatThrownBy(() -> exporter.prepare("src", "nope", null)).hasMessageContaining("no snapshot named nope");
    assertThatThrownBy(() -> exporter.prepare("src", "s1", "nope")).hasMessageContaining("no snapshot named nope");
  }
}
