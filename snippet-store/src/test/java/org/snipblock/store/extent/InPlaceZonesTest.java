package org.snipblock.store.extent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When a zone of an extent file is open for overwrites in place, on disk, and when it closes. */
class InPlaceZonesTest {
  private static final int IN_ZONE_3 = 3 * InPlaceZones.ZONE_SLOTS + 17;
  /** A zone whose bit lies on the second page of the map. */
  private static final int FAR = 40_000 * InPlaceZones.ZONE_SLOTS;

  @TempDir Path dir;

  @Test
  void aZoneIsOpenOnDiskBeforeTheFirstOverwriteInItReturns() throws Exception {
    FileExtentIo io = new FileExtentIo(dir);
    try (var ch = io.open("z")) {
      InPlaceZones zones = InPlaceZones.load(ch);
      zones.begin(IN_ZONE_3);
      zones.begin(FAR);
      assertThat(zones.isOpen(IN_ZONE_3 + 1)).isTrue();
      assertThat(zones.isOpen(0)).isFalse();
    }
    try (var ch = io.open("z")) {
      InPlaceZones again = InPlaceZones.load(ch);
      assertThat(again.isOpen(IN_ZONE_3)).as("read back after reopening").isTrue();
      assertThat(again.isOpen(FAR)).isTrue();
      assertThat(again.isOpen(2 * InPlaceZones.ZONE_SLOTS)).isFalse();
      again.closeAll();
    }
    try (var ch = io.open("z")) {
      assertThat(InPlaceZones.load(ch).anyOpen()).as("closed for good").isFalse();
    }
  }

  @Test
  void aCheckpointClosesOnlyZonesNoOverwriteTouchedSinceItBegan() throws Exception {
    FileExtentIo io = new FileExtentIo(dir);
    try (var ch = io.open("z")) {
      InPlaceZones zones = InPlaceZones.load(ch);
      int idle = 0;
      int runningAcross = InPlaceZones.ZONE_SLOTS;
      int startedDuring = 2 * InPlaceZones.ZONE_SLOTS;
      int failed = 3 * InPlaceZones.ZONE_SLOTS;
      for (int slot : new int[] {idle, runningAcross, startedDuring, failed}) {
        zones.begin(slot);
      }
      zones.end(idle, true);
      zones.end(startedDuring, true);
      zones.end(failed, false);
      // A later overwrite in the same zone succeeds: the failed one's slot is still unaccounted for.
      zones.begin(failed + 1);
      zones.end(failed + 1, true);

      zones.checkpointBegins();
      zones.begin(startedDuring);
      zones.end(startedDuring, true);
      zones.end(runningAcross, true);
      zones.checkpointEnded();

      assertThat(zones.isOpen(idle)).as("idle since the checkpoint began").isFalse();
      assertThat(zones.isOpen(runningAcross)).as("a write ran across the checkpoint's start").isTrue();
      assertThat(zones.isOpen(startedDuring)).as("written while the checkpoint ran").isTrue();
      assertThat(zones.isOpen(failed)).as("a failed overwrite keeps its zone until reopening").isTrue();

      zones.checkpointBegins();
      zones.checkpointEnded();
      assertThat(zones.isOpen(runningAcross)).isFalse();
      assertThat(zones.isOpen(startedDuring)).isFalse();
      assertThat(zones.isOpen(failed)).isTrue();
    }
    try (var ch = io.open("z")) {
      InPlaceZones again = InPlaceZones.load(ch);
      assertThat(again.isOpen(0)).as("closing reached the file").isFalse();
      assertThat(again.isOpen(3 * InPlaceZones.ZONE_SLOTS)).isTrue();
    }
  }
}
