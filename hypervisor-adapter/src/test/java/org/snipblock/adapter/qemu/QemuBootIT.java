package org.snipblock.adapter.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.adapter.qmp.QmpMessage;
import org.snipblock.adapter.seed.GuestIdentity;
import org.snipblock.adapter.seed.SeedDisk;
import org.snipblock.adapter.testing.TestGuest;
import org.snipblock.node.OperatorError;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Tools;

/**
 * A real guest under QEMU (TCG) whose disk is a snipblock volume reached over iSCSI from a running
 * node: it boots, reads the template's files and its name from the NoCloud seed disk, writes, powers
 * off; QMP reports its state and the SHUTDOWN event; a second boot sees the first one's write.
 */
class QemuBootIT {
  private static final Duration BOOT = Duration.ofSeconds(120);

  @TempDir Path dir;

  @Test
  void bootsAGuestFromAVolumeOverIscsiWithItsSeedDisk() throws Exception {
    TestGuest.Built guest = TestGuest.get();
    Tools.requireQemuIscsi();
    Path template = TestGuest.templateImage(dir, "web1", 64L << 20);
    try (DaemonProcess node = DaemonProcess.serve(dir.resolve("data"), "--volume", "sys:64M")
        .logTo(Path.of("target/qemu-boot-node.log")).start()) {
      Tools.run(60, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", template.toString(),
          node.nbdUrl("sys")).ok();
      Path seed = dir.resolve("seed.img");
      SeedDisk.write(new GuestIdentity("vm-1", "alpha", List.of(), null), seed);
      QemuCommand command = new QemuCommand("qemu-system-x86_64", "alpha", 1, 256, Accelerator.TCG,
          guest.boot("seed"), List.of(node.iscsiUrl("sys")), seed, "iqn.2026-11.org.snipblock.host:h1",
          dir.resolve("alpha.qmp"), dir.resolve("alpha.console"), null, List.of());

      String first = bootToPowerOff(command);
      assertThat(first).contains("GUEST: seed-hostname=alpha", "GUEST: hostname=web1",
          "GUEST: boots=1 log=boot alpha ", "GUEST: files ok");

      String both = bootToPowerOff(command);
      assertThat(both.substring(first.length())).contains("GUEST: boots=2 log=boot alpha boot alpha ");

      assertThatThrownBy(() -> QemuProcess.start(new QemuCommand("qemu-system-x86_64", "broken", 1, 256,
          Accelerator.TCG, guest.boot("seed"), List.of(node.iscsiUrl("sys")), null, null,
          dir.resolve("broken.qmp"), dir.resolve("broken.console"), null, List.of("-no-such-option"))))
          .isInstanceOf(OperatorError.class)
          .hasMessageStartingWith("QEMU exited at start (status 1): ")
          .hasMessageContaining("-no-such-option");
    }
  }

  /** Boots the guest; returns the whole console log once QEMU has exited after the guest's power-off. */
  private static String bootToPowerOff(QemuCommand command) throws Exception {
    try (QemuProcess qemu = QemuProcess.start(command)) {
      CompletableFuture<QmpMessage.Event> shutdown = qemu.qmp().nextEvent(e -> e.name().equals("SHUTDOWN"));
      assertThat(qemu.qmp().execute("query-status").path("status").asText()).isEqualTo("running");
      QmpMessage.Event event = shutdown.get(BOOT.toSeconds(), TimeUnit.SECONDS);
      assertThat(event.data().path("guest").asBoolean()).as("shut down by the guest").isTrue();
      qemu.onExit().get(30, TimeUnit.SECONDS);
      return Files.readString(command.consoleLog());
    }
  }
}
