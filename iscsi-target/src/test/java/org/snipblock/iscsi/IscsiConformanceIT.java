package org.snipblock.iscsi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.scsi.BlockLogicalUnit;

/**
 * libiscsi's conformance suite (see {@link LibiscsiConformance}) against an in-process target: a
 * scratch RAM disk given twice (two sessions to one LU: the multipath tests run), a small LU for
 * the Sanitize suite, a write-protected one for ReadOnly, and one claiming 4 KiB physical blocks.
 * The full output goes to target/iscsi-test-cu.log, a summary to the log.
 */
class IscsiConformanceIT {
  /**
   * SANITIZE OVERWRITE pace for the Sanitize LU: Sanitize.Reset sleeps 3 s after starting one
   * and then expects it still in progress (and again after resets and a reconnect); 8 MiB at
   * 1 MiB/s takes 8 s. (The test then polls only once a minute for the end.)
   */
  private static final long SANITIZE_PACE = 1L << 20;

  @Test
  void libiscsiSuitePasses() throws Exception {
    ExternalTool.require("iscsi-test-cu");
    MemoryCatalog catalog = new MemoryCatalog().add("scratch", 64L << 20)
        .addReadOnly("readonly", 8L << 20).add("scratch4k", 64L << 20).add("sanitize", 8L << 20);
    IscsiTargetConfig config = IscsiTargetConfig.defaults(device -> switch (device.name()) {
      case "scratch4k" -> new BlockLogicalUnit(device, 4096);
      case "sanitize" -> new BlockLogicalUnit(device, device.blockSize(), SANITIZE_PACE);
      default -> new BlockLogicalUnit(device);
    });
    // The suite's single-threaded initiator sleeps up to 60 s without reading its socket (waiting
    // for a sanitize, Sanitize.Reset): it must not be dropped as dead meanwhile, or it reconnects
    // as a new nexus with a fresh unit attention and waits a minute again, forever.
    config = config.withNop(Duration.ofSeconds(10), Duration.ofSeconds(120));
    try (IscsiTarget target = new IscsiTarget(config, catalog)) {
      int port = target.start();
      String base = "iscsi://127.0.0.1:" + port + "/" + IscsiTargetConfig.DEFAULT_PREFIX;
      // The same LU given twice is a second path (own session): the MultipathIO suite runs.
      new LibiscsiConformance(command -> ExternalTool.run(Duration.ofMinutes(20), Map.of(), command).output(),
          Path.of("target", "iscsi-test-cu.log")).run(new LibiscsiConformance.Luns(base + "scratch/0",
              base + "scratch/0", base + "sanitize/0", base + "readonly/0", base + "scratch4k/0"));
    }
  }
}
