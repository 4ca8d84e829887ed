package org.snipblock.iscsi.scsi;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.IscsiTarget;
import org.snipblock.iscsi.IscsiTargetConfig;

/**
 * A developer's tool, not part of the build (surefire does not pick it up): starts the real
 * target over RAM disks and runs libiscsi's iscsi-test-cu against it, for quick iterations on one
 * suite. Run with -Dtest=SuiteRunnerManual -Dsuite.tests=ALL.Inquiry [-Dsuite.bs=512
 * -Dsuite.physical=4096 -Dsuite.vol=vol|ro -Dsuite.extra=-S -Dsuite.sanitizePace=8388608]; output in suite.out
 * (target/libiscsi-suite.txt). The CI conformance run is IscsiConformanceIT.
 */
class SuiteRunnerManual {
  @Test
  void run() throws Exception {
    String tests = System.getProperty("suite.tests");
    Assumptions.assumeTrue(tests != null);
    int bs = Integer.getInteger("suite.bs", 512);
    MemoryBlockDevice dev = new MemoryBlockDevice("vol", 64L << 20, bs, false);
    MemoryBlockDevice ro = new MemoryBlockDevice("ro", 8L << 20, bs, true);
    MemoryCatalog catalog = new MemoryCatalog().add(dev).add(ro);
    int physical = Integer.getInteger("suite.physical", bs);
    try (IscsiTarget target = new IscsiTarget(
        IscsiTargetConfig.defaults(d -> new BlockLogicalUnit(d, Math.max(physical, d.blockSize()),
            Long.getLong("suite.sanitizePace", BlockLogicalUnit.DEFAULT_SANITIZE_BYTES_PER_SECOND)))
            .withNop(java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(120)), catalog)) {
      int port = target.start();
      String vol = System.getProperty("suite.vol", "vol");
      ProcessBuilder pb = new ProcessBuilder("stdbuf", "-oL", "-eL", "timeout", System.getProperty("suite.timeout", "600"), "iscsi-test-cu", "-d", System.getProperty("suite.extra", "-d"), "-V", "-t", tests,
          "--initiator-name", "iqn.2026-11.org.test:init1", "--initiator-name-2", "iqn.2026-11.org.test:init2",
          "iscsi://127.0.0.1:" + port + "/iqn.2026-11.org.snipblock:" + vol + "/0",
          "iscsi://127.0.0.1:" + port + "/iqn.2026-11.org.snipblock:" + vol + "/0");
      pb.redirectErrorStream(true);
      pb.redirectOutput(Path.of(System.getProperty("suite.out", "target/libiscsi-suite.txt")).toFile());
      Process p = pb.start();
      p.waitFor(20, TimeUnit.MINUTES);
    }
  }
}
