package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.QemuIoSession;
import org.snipblock.node.testing.Tools;

/**
 * A node whose store fills up mid-load (a capacity below what its volumes could take; a full file
 * system behaves the same: both are the store's NO_SPACE): writes that need new space fail with
 * the protocol's space error through both doors (iSCSI SPACE ALLOCATION FAILED, which qemu reports
 * as ENOSPC; NBD ENOSPC), everything acknowledged before reads back and flushes, also after a
 * kill -9, and once space is freed (a trim of another volume) writes succeed again.
 */
class FullDiskProcessIT {
  private static final String NO_SPACE = "No space left on device";

  @TempDir Path tmp;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aFullStoreRefusesNewDataKeepsWhatWasAcknowledgedAndRecovers() throws IOException {
    Tools.requireQemuIscsi();
    Tools.require("qemu-io");
    Path config = Files.writeString(tmp.resolve("node.yaml"), """
        store:
          capacity: 8M
        volumes:
          - name: full
            size: 64M
          - name: other
            size: 64M
        """);
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data"), "--config", config.toString()).start()) {
      qemuIo(node.nbdUrl("other"), "write -P 0x33 0 3M").ok();
      qemuIo(iscsi(node, "full"), "write -P 0x11 0 2M", "flush").ok();

      // Mid-load: 1 MiB writes through the iSCSI door until the store is full.
      List<String> load = new ArrayList<>();
      for (int mib = 2; mib < 12; mib++) {
        load.add("write -P 0x12 " + mib + "M 1M");
      }
      String filling = qemuIo(iscsi(node, "full"), load.toArray(String[]::new)).output();
      assertThat(filling).as("iSCSI: SPACE ALLOCATION FAILED reaches qemu as ENOSPC").contains(NO_SPACE)
          .contains("wrote 1048576/1048576 bytes at offset 2097152");
      int acknowledged = (int) filling.lines().filter(l -> l.startsWith("wrote ")).count();
      assertThat(acknowledged).as("writes acknowledged before the store was full").isBetween(1, 6);
      assertThat(qemuIo(node.nbdUrl("full"), "write -P 0x13 40M 1M").output()).as("NBD: ENOSPC").contains(NO_SPACE);

      // Full, but what was acknowledged reads back through both doors, overwrites in place work, flushes work.
      String acked = "read -P 0x12 2M " + acknowledged + "M";
      qemuIo(node.nbdUrl("full"), "read -P 0x11 0 2M", acked, "flush").ok();
      qemuIo(iscsi(node, "full"), "read -P 0x11 0 2M", acked, "write -P 0x14 0 1M", "flush").ok();

      node.kill9();
      node.start();
      qemuIo(node.nbdUrl("full"), "read -P 0x14 0 1M", "read -P 0x11 1M 1M", acked).ok();
      qemuIo(node.nbdUrl("other"), "read -P 0x33 0 3M").ok();

      // Space returns: trimming the other volume frees its 3 MiB; new data is taken again.
      assertThat(qemuIo(iscsi(node, "full"), "write -P 0x15 40M 1M").output()).contains(NO_SPACE);
      qemuIo(node.nbdUrl("other"), "discard 0 64M").ok();
      qemuIo(iscsi(node, "full"), "write -P 0x15 40M 1M", "flush", "read -P 0x15 40M 1M").ok();
      qemuIo(node.nbdUrl("full"), "write -P 0x16 44M 1M", "read -P 0x16 44M 1M", "read -P 0x14 0 1M").ok();
      assertThat(node.process().isAlive()).isTrue();
    }
  }

  private static String iscsi(DaemonProcess node, String volume) {
    return QemuIoSession.iscsiOptions(node.info().iscsiPort(), "iqn.2026-11.org.snipblock:" + volume,
        "iqn.2026-11.org.example:fulldisk");
  }

  /** qemu-io with these commands on an NBD URL or iSCSI --image-opts; its exit status says whether all succeeded. */
  private static Tools.Run qemuIo(String target, String... commands) {
    List<String> cmd = new ArrayList<>(List.of("qemu-io"));
    if (target.startsWith("nbd://")) {
      cmd.addAll(List.of("-f", "raw", target));
    } else {
      cmd.addAll(List.of("--image-opts", target));
    }
    for (String c : commands) {
      cmd.add("-c");
      cmd.add(c);
    }
    return Tools.run(60, cmd.toArray(String[]::new));
  }
}
