package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;

/** fio's nbd engine (libnbd) writes at random with many requests in flight, then verifies crc32c. */
class FioIT {

  @Test
  void randomWritesVerifyWithCrc32c() throws Exception {
    Tools.require("fio");
    String engines = Tools.run(Duration.ofSeconds(20), "fio", "--enghelp").out();
    if (!engines.contains("nbd")) {
      String message = "this fio has no nbd engine";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(message);
      }
      Assumptions.abort(message);
    }
    try (RunningServer server = new RunningServer(
        new MemoryCatalog().add(new MemoryBlockDevice("vol", 64L << 20, 512, false)))) {
      Tools.Result r = Tools.run(Duration.ofSeconds(120), "fio",
          "--name=verify", "--ioengine=nbd", "--uri=" + server.uri("vol"),
          "--rw=randwrite", "--bs=4k", "--size=32m", "--iodepth=32",
          "--verify=crc32c", "--do_verify=1", "--verify_fatal=1",
          "--output-format=json").ok();
      JsonNode job = new ObjectMapper().readTree(r.out().substring(r.out().indexOf('{'))).get("jobs").get(0);
      assertThat(job.get("error").asInt()).isZero();
      assertThat(job.get("write").get("io_bytes").asLong()).isEqualTo(32L << 20);
      assertThat(job.get("read").get("io_bytes").asLong()).isEqualTo(32L << 20);
    }
  }
}
