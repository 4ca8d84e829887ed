package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad store settings are refused with the value that is wrong, not with a record of zeros. */
class StoreConfigTest {
  @Test
  void aCheckpointUnderOneMebibyteIsRefusedNamingIt() {
    assertThatThrownBy(() -> StoreConfig.defaults().withCheckpoint(4096, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("checkpoint 4096")
        .hasMessageContaining("at least 1 MiB");
  }

  @Test
  void aZeroIntervalOrNoIoThreadsIsRefusedNamingThem() {
    assertThatThrownBy(() -> StoreConfig.defaults().withCheckpoint(1 << 20, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("interval PT0S");
    assertThatThrownBy(() -> StoreConfig.defaults().withIoThreads(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("I/O threads 0");
  }

  @Test
  void aSnippetSizeThatIsNotAPowerOfTwoIsRefused() {
    assertThatThrownBy(() -> StoreConfig.defaults().withDefaultSnippetSize(100_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("power of two")
        .hasMessageContaining("100000");
  }
}
