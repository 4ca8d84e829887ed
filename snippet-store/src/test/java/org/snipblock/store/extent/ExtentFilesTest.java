package org.snipblock.store.extent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How extent slots are handed out, and what a checkpoint gives back to the file system. */
class ExtentFilesTest {
  private static final long OWNER = 7;

  @TempDir Path dir;

  @Test
  void aCheckpointPunchesLongRunsOfFreedSlotsAndKeepsSingleOnesForReuse() throws Exception {
    try (ExtentFiles files = new ExtentFiles(new FileExtentIo(dir), Long.MAX_VALUE, () -> 0)) {
      ExtentFile f = files.file(OWNER);
      int slots = 600;
      for (int s = 0; s < slots; s++) {
        assertThat(f.allocate(s, -1)).isEqualTo(s);
        f.write(s, ByteBuffer.wrap(pattern(s)));
      }
      // Overwrites free single slots here and there; a trim frees one long run.
      for (int s = 0; s < 100; s += 2) {
        files.release(OWNER, s);
      }
      for (int s = 300; s < slots; s++) {
        files.release(OWNER, s);
      }
      files.rolled();
      files.checkpointed();

      assertThat(read(f, 2)).as("a single freed slot keeps its blocks").isEqualTo(pattern(2));
      for (int s : new int[] {300, 450, slots - 1}) {
        assertThat(read(f, s)).as("slot %d of the freed run is punched", s).isEqualTo(new byte[ExtentFile.SLOT]);
      }
      assertThat(read(f, 1)).as("slots in use are untouched").isEqualTo(pattern(1));
      assertThat(f.allocate(4, -1)).as("a freed single slot is reused").isEqualTo(4);
    }
  }

  @Test
  void aChunkWhoseHomeIsTakenContinuesItsRequestsRun() throws Exception {
    try (ExtentFiles files = new ExtentFiles(new FileExtentIo(dir), Long.MAX_VALUE, () -> 0)) {
      ExtentFile f = files.file(OWNER);
      BitSet used = new BitSet();
      used.set(0, 100);
      used.clear(60, 70);
      f.adopt(used);
      int first = f.allocate(10, -1);
      assertThat(first).isEqualTo(60);
      assertThat(f.allocate(11, first + 1)).isEqualTo(61);
      assertThat(f.allocate(12, 62)).isEqualTo(62);
      // A continuation slot that is taken is not handed out twice.
      assertThat(f.allocate(13, 1)).isEqualTo(63);
      // A chunk whose home is free goes home, whatever the run.
      used.clear(40);
      f.adopt(used);
      assertThat(f.allocate(40, 64)).isEqualTo(40);
      // At the end of the file the run grows the file.
      used.set(0, 100);
      f.adopt(used);
      assertThat(f.allocate(20, -1)).isEqualTo(100);
      assertThat(f.allocate(21, 101)).isEqualTo(101);
    }
  }

  @Test
  void overwritesMayParkAnEighthOfTheFreeDiskBetweenCheckpointsUpToTheCap() throws Exception {
    long floor = 1 << 20;
    long[] free = {4L << 20};
    try (ExtentFiles files = new ExtentFiles(new FileExtentIo(dir), floor, () -> free[0])) {
      int slot = 0;
      for (; (long) slot * ExtentFile.SLOT < floor - ExtentFile.SLOT; slot++) {
        files.release(OWNER, slot);
      }
      assertThat(files.rollDue()).as("below the floor").isFalse();
      files.release(OWNER, slot++);
      assertThat(files.rollDue()).as("at the floor, with little disk free").isTrue();
      files.rolled();

      free[0] = 64L << 30;
      try (ExtentFiles roomy = new ExtentFiles(new FileExtentIo(dir.resolve("roomy")), floor, () -> free[0])) {
        for (int s = 0; s < 2 * floor / ExtentFile.SLOT; s++) {
          roomy.release(OWNER, s);
        }
        assertThat(roomy.rollDue()).as("with 64 GiB free, 2 MiB parked is not yet due").isFalse();
        for (long s = 2 * floor / ExtentFile.SLOT; s < ExtentFiles.MAX_PARKED / ExtentFile.SLOT; s++) {
          roomy.release(OWNER, (int) s);
        }
        assertThat(roomy.rollDue()).as("the cap (an eighth of 64 GiB is more)").isTrue();
      }
    }
  }

  private static byte[] pattern(int slot) {
    byte[] b = new byte[ExtentFile.SLOT];
    Arrays.fill(b, (byte) (slot % 251 + 1));
    return b;
  }

  private static byte[] read(ExtentFile f, int slot) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(ExtentFile.SLOT);
    f.read(slot, b);
    return b.array();
  }
}
