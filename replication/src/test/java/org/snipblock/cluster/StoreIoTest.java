package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;
import org.snipblock.cluster.testing.TestCluster;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.VolumeSpec;

/** The store I/O relocation's IOPS and latency thresholds read: rates and p99 over a sliding window. */
class StoreIoTest {
  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong clock = new AtomicLong(1000 * SECOND);
  private final StoreIo io = new StoreIo(clock::get);

  @Test
  void ratesAndTheP99ComeFromTheLastWholeSeconds() {
    assertThat(io.sample()).isEqualTo(new StoreIo.Sample(0, 0));
    // 10 seconds of 100 operations each: 99 at 100 µs, one at 50 ms.
    for (int s = 0; s < StoreIo.WINDOW_SECONDS; s++) {
      for (int i = 0; i < 99; i++) {
        io.record(100_000);
      }
      io.record(50_000_000);
      clock.addAndGet(SECOND);
    }
    StoreIo.Sample sample = io.sample();
    assertThat(sample.iops()).isEqualTo(100.0);
    assertThat(sample.latencyP99Micros()).as("the 99th of 100 is the last fast one").isBetween(100L, 119L);

    // Two slow ones in a hundred: the 99th percentile is slow.
    for (int i = 0; i < 98; i++) {
      io.record(100_000);
    }
    io.record(50_000_000);
    io.record(50_000_000);
    clock.addAndGet(SECOND);
    assertThat(io.sample().latencyP99Micros()).isBetween(50_000L, 59_500L);

    // The window slides: eleven idle seconds later nothing is left.
    clock.addAndGet(11 * SECOND);
    assertThat(io.sample()).isEqualTo(new StoreIo.Sample(0, 0));
  }

  @Test
  void bucketsBoundTheValueFromAboveWithinAFifth() {
    for (long micros : new long[] {2, 3, 100, 999, 65_536, 1_000_000}) {
      long bound = StoreIo.upperBoundMicros(StoreIo.bucket(micros));
      assertThat(bound).as("%d µs", micros).isGreaterThanOrEqualTo(micros).isLessThanOrEqualTo(micros * 6 / 5 + 1);
    }
  }

  @Test
  void aMeteredStoreDeviceCountsEachOperation(@TempDir Path dir) throws Exception {
    try (SnippetStore store = SnippetStore.open(dir, TestCluster.storeConfig())) {
      store.create(new VolumeSpec("v", 1 << 20, TestCluster.SNIPPET, 512, false));
      try (BlockDevice d = io.meter(store.open("v").orElseThrow())) {
        for (int i = 0; i < 20; i++) {
          d.write(i * 4096L, ByteBuffer.allocate(4096), false).get(10, TimeUnit.SECONDS);
        }
        d.read(0, ByteBuffer.allocate(4096)).get(10, TimeUnit.SECONDS);
        d.flush().get(10, TimeUnit.SECONDS);
      }
    }
    clock.addAndGet(SECOND);
    assertThat(io.sample().iops()).as("22 operations over the window").isEqualTo(2.2);
  }
}
