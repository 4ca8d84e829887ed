package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.snipblock.store.SnippetStoreTest.await;
import static org.snipblock.store.SnippetStoreTest.failure;
import static org.snipblock.store.SnippetStoreTest.random;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.block.BlockDeviceException.Kind;
import org.snipblock.block.Extent;

class ChangeTrackingTest {
  private static final int MiB = 1 << 20;

  @TempDir Path dir;
  SnippetStore store;
  @RegisterExtension final TempStore temp = new TempStore(() -> dir, opened -> store = opened);
  BlockDevice d;

  @BeforeEach
  void aVolumeWithASnapshot() throws Exception {
    store.create(new VolumeSpec("v", 8L * MiB, MiB, 512, false));
    d = store.open("v").orElseThrow();
    await(d.write(0, random(MiB, 1), false));
    store.snapshot(List.of("v"), "s1");
  }

  @Test
  void reportsTheChunksWrittenSinceASnapshotClippedToTheQuery() throws Exception {
    await(d.write(3 * MiB, random(8192, 2), false));
    await(d.write(5 * MiB + 512, random(512, 3), false)); // one chunk, though only a block changed
    await(d.trim(0, 4096, false));

    assertThat(d.changeBases()).containsExactly("s1");
    assertThat(await(d.changedSince("s1", 0, 8L * MiB))).containsExactly(
        Extent.data(0, 4096), Extent.data(3 * MiB, 8192), Extent.data(5 * MiB, 4096));
    assertThat(await(d.changedSince("s1", 3 * MiB + 512, 1024))).containsExactly(Extent.data(3 * MiB + 512, 1024));
    assertThat(await(d.changedSince("s1", MiB, MiB))).isEmpty();
  }

  @Test
  void aSnapshotDeviceReportsAgainstOlderSnapshotsOnly() throws Exception {
    await(d.write(2 * MiB, random(4096, 2), false));
    store.snapshot(List.of("v"), "s2");
    await(d.write(4 * MiB, random(4096, 3), false));

    BlockDevice s2 = store.open("v@s2").orElseThrow();
    assertThat(s2.changeBases()).containsExactly("s1");
    assertThat(await(s2.changedSince("s1", 0, 8L * MiB))).containsExactly(Extent.data(2 * MiB, 4096));
    assertThat(d.changeBases()).containsExactly("s1", "s2");
    assertThat(await(d.changedSince("s2", 0, 8L * MiB))).containsExactly(Extent.data(4 * MiB, 4096));
    assertThat(failure(s2.changedSince("s2", 0, 4096))).isEqualTo(Kind.INVALID);
    assertThat(failure(d.changedSince("nope", 0, 4096))).isEqualTo(Kind.INVALID);
    assertThat(failure(d.changedSince("s1", 0, 9L * MiB))).isEqualTo(Kind.OUT_OF_RANGE);
  }
}
