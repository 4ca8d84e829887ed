package org.snipblock.cluster.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.cluster.testing.Eventually;

class DurableProgressTest {
  @TempDir Path dir;

  @Test
  void recordsSurviveAReopenAndBelongToOneIncarnationOfTheVolume() throws Exception {
    try (DurableProgress p = new DurableProgress(dir)) {
      p.record("vm1", new DurableProgress.Entry(7, 2, 100));
      p.record("vm1", new DurableProgress.Entry(7, 2, 150));
      p.record("vm2", new DurableProgress.Entry(8, 1, 5));
    }
    try (DurableProgress p = new DurableProgress(dir)) {
      assertThat(p.load("vm1", 7)).contains(new DurableProgress.Entry(7, 2, 150));
      assertThat(p.load("vm2", 8)).contains(new DurableProgress.Entry(8, 1, 5));
      assertThat(p.load("vm1", 9)).as("a volume recreated under the same name").isEmpty();
      assertThat(p.load("vm3", 7)).isEmpty();
      p.forget("vm2");
      Eventually.await("forgotten", Duration.ofSeconds(10), () -> p.load("vm2", 8).isEmpty());
    }
  }

  @Test
  void aDamagedRecordIsIgnored() throws Exception {
    try (DurableProgress p = new DurableProgress(dir)) {
      p.record("vm1", new DurableProgress.Entry(7, 2, 100));
    }
    try (DurableProgress p = new DurableProgress(dir)) {
      assertThat(p.load("vm1", 7)).isPresent();
      Path f = dir.resolve("vm1.progress");
      byte[] b = Files.readAllBytes(f);
      b[20] ^= 1;
      Files.write(f, b);
      assertThat(p.load("vm1", 7)).isEmpty();
      Files.write(f, new byte[] {1, 2, 3});
      assertThat(p.load("vm1", 7)).isEmpty();
    }
  }
}
