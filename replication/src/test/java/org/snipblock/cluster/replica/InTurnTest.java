package org.snipblock.cluster.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InTurnTest {
  @Test
  void stepsRunOneAfterAnotherWhetherTheyCompleteAtOnceOrLater() throws Exception {
    List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
    Executor later = CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS);
    CompletableFuture<Void> all = InTurn.run(300_000, i -> {
      order.add(i);
      // Mostly done at once (a deep stack if chained naively), now and then completed on another thread.
      return i % 50_000 == 0 ? CompletableFuture.runAsync(() -> { }, later) : CompletableFuture.completedFuture(null);
    });
    all.get(30, TimeUnit.SECONDS);
    assertThat(order).hasSize(300_000);
    for (int i = 0; i < order.size(); i++) {
      assertThat(order.get(i)).isEqualTo(i);
    }
  }

  @Test
  void theFirstFailingStepEndsTheRun() {
    List<Integer> ran = new ArrayList<>();
    CompletableFuture<Void> all = InTurn.run(10, i -> {
      ran.add(i);
      return i == 3 ? CompletableFuture.failedFuture(new IllegalStateException("step 3")) : CompletableFuture.completedFuture(null);
    });
    assertThatThrownBy(all::join).hasMessageContaining("step 3");
    assertThat(ran).containsExactly(0, 1, 2, 3);
    assertThat(InTurn.run(0, i -> CompletableFuture.failedFuture(new IllegalStateException()))).isDone();
  }
}
