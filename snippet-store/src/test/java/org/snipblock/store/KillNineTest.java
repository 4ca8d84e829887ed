package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;

/**
 * Runs the store in a separate JVM under a write load, kills it with SIGKILL at a random moment,
 * and checks after restart that every write acknowledged with FUA or before an acknowledged flush
 * is there, and every sector holds an intact value that was legal to see.
 */
class KillNineTest {
  private static final int ROUNDS = 3;

  @TempDir Path dir;

  @Test
  void acknowledgedAndFlushedWritesSurviveKillNine() throws Exception {
    Random rnd = new Random(0x9L);
    DurabilityOracle oracle = new DurabilityOracle(StoreWriterProcess.SECTORS);
    int totalFlushes = 0;
    for (int round = 0; round < ROUNDS; round++) {
      int killAfterFlushes = 5 + rnd.nextInt(40);
      Process child = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-cp", System.getProperty("java.class.path"),
          StoreWriterProcess.class.getName(), dir.toString(), Long.toString(rnd.nextLong()),
          Long.toString((round + 1L) << 40), "60")
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      CountDownLatch killNow = new CountDownLatch(1);
      AtomicInteger flushes = new AtomicInteger();
      AtomicReference<java.io.IOException> readFailure = new AtomicReference<>();
      Map<Long, Long> keys = new HashMap<>();
      Map<Long, List<Long>> flushCover = new HashMap<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            String[] p = line.split(" ");
            if (p.length < 2 || !p[0].equals("EV")) {
              continue;
            }
            try {
              switch (p[1]) {
                case "I" -> {
                  oracle.issued(Long.parseLong(p[3]), Long.parseLong(p[4]), Integer.parseInt(p[5]));
                  keys.put(Long.parseLong(p[2]), oracle.lastIssued());
                }
                case "C" -> oracle.completed(keys.get(Long.parseLong(p[2])), p[3].equals("1"));
                case "FI" -> flushCover.put(Long.parseLong(p[2]), oracle.flushIssued());
                case "FC" -> {
                  oracle.flushCompleted(flushCover.remove(Long.parseLong(p[2])));
                  if (flushes.incrementAndGet() >= killAfterFlushes) {
                    killNow.countDown();
                  }
                }
                default -> { }
              }
            } catch (RuntimeException torn) {
              // the last line may be cut off by the kill
            }
          }
        } catch (java.io.IOException e) {
          // end of file comes when the child dies; an error means the oracle missed requests
          readFailure.set(e);
        }
        killNow.countDown();
      });
      reader.start();
      killNow.await(90, TimeUnit.SECONDS);
      // Not child.destroyForcibly(): that also closes our end of its stdout, dropping the events
      // it wrote but we had not read yet, and the oracle would then judge data it never heard of.
      assertThat(Sigkill.kill(child, Duration.ofSeconds(30))).isTrue();
      reader.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(reader.isAlive()).isFalse();
      assertThat(readFailure.get()).as("reading the child's events in round %d", round).isNull();
      assertThat(flushes.get()).as("flushes acknowledged before the kill in round %d", round)
          .isGreaterThanOrEqualTo(Math.min(killAfterFlushes, 1));
      totalFlushes += flushes.get();

      try (SnippetStore store = SnippetStore.open(dir, StoreConfig.defaults())) {
        BlockDevice d = store.open("k9").orElseThrow();
        ByteBuffer all = ByteBuffer.allocate((int) StoreWriterProcess.VOLUME);
        d.read(0, all).get(30, TimeUnit.SECONDS);
        oracle.verifyAndReset(all);
        assertThat(store.show("k9").orElseThrow().checksumErrors()).isZero();
      }
    }
    assertThat(totalFlushes).isGreaterThan(ROUNDS);
  }
}
