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

  /**
   * A zone closes once the segments before a roll are deleted and no overwrite into it ran since
   * that roll: until then a segment may hold a record of an overwrite into it that a later one made
   * stale, and replay passes such a record only in an open zone.
   */
  @Test
  void aZoneClosesOnlyWhenNoSegmentLeftHoldsAnOverwriteIntoIt() throws Exception {
    FileExtentIo io = new FileExtentIo(dir);
    try (var ch = io.open("z")) {
      InPlaceZones zones = InPlaceZones.load(ch);
      int before = 0;
      int runningAcross = InPlaceZones.ZONE_SLOTS;
      int afterRoll = 2 * InPlaceZones.ZONE_SLOTS;
      int failed = 3 * InPlaceZones.ZONE_SLOTS;
      for (int slot : new int[] {before, runningAcross, afterRoll, failed}) {
        zones.begin(slot);
      }
      zones.end(before, true);
      zones.end(afterRoll, true);
      zones.end(failed, false);
      zones.begin(failed + 1);
      zones.end(failed + 1, true);

      zones.rolled();
      zones.begin(afterRoll);
      zones.end(afterRoll, true);
      zones.end(runningAcross, true);
      zones.segmentsDeleted();

      assertThat(zones.isOpen(before)).as("overwritten only in deleted segments").isFalse();
      assertThat(zones.isOpen(runningAcross)).as("its record came after the roll").isTrue();
      assertThat(zones.isOpen(afterRoll)).as("overwritten again after the roll").isTrue();
      assertThat(zones.isOpen(failed)).as("a failed overwrite keeps its zone until reopening").isTrue();

      zones.segmentsDeleted();
      assertThat(zones.isOpen(afterRoll)).as("no roll since: its segment is still there").isTrue();

      zones.rolled();
      zones.segmentsDeleted();
      assertThat(zones.isOpen(runningAcross)).isFalse();
      assertThat(zones.isOpen(afterRoll)).isFalse();
      assertThat(zones.isOpen(failed)).isTrue();
    }
    try (var ch = io.open("z")) {
      InPlaceZones again = InPlaceZones.load(ch);
      assertThat(again.isOpen(0)).as("closing reached the file").isFalse();
      assertThat(again.isOpen(3 * InPlaceZones.ZONE_SLOTS)).isTrue();
    }
  }
}
