package org.snipblock.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * One short in-process iteration of the codec benchmarks, so CI notices when one stops running:
 * each benchmark checks that every request of its burst got its reply and throws otherwise.
 * Speed is not asserted.
 */
class BenchmarksSmokeTest {

  @Test
  void codecBenchmarksRunAndEveryRequestIsAnswered() throws RunnerException {
    // Another JMH run on the machine must not make this test fail; it measures nothing.
    System.setProperty("jmh.ignoreLock", "true");
    Options options = new OptionsBuilder()
        .include("org\\.snipblock\\.bench\\.(nbd|iscsi)\\..*")
        .param("length", "4096")
        .param("command", "read", "write")
        .param("structured", "true")
        .param("dataLength", "4096")
        .param("digests", "true")
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(200))
        .shouldFailOnError(true)
        .build();
    Collection<RunResult> results = new Runner(options).run();
    // nbd burst x {read, write} + iscsi decodeCommands + encodeDataIn
    assertThat(results).hasSize(4);
    for (RunResult r : results) {
      assertThat(r.getPrimaryResult().getSampleCount()).as(r.getParams().getBenchmark()).isPositive();
    }
  }
}
