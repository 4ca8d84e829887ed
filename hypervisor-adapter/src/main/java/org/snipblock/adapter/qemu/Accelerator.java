package org.snipblock.adapter.qemu;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.snipblock.node.OperatorError;

/**
 * How QEMU runs guest code. {@code auto} (the host agent's default) takes KVM only where it is
 * usable: /dev/kvm opens read-write and the machine is not itself a guest. The second condition is
 * there because /dev/kvm inside a VM (nested virtualisation) may still not run a guest at all: on a
 * machine of this project's kind a guest under {@code -accel kvm} hung before its kernel started.
 * Otherwise TCG (emulation), which works everywhere; an operator who knows nested KVM works says
 * {@code kvm}.
 */
public enum Accelerator {
  TCG, KVM;

  private static final Path KVM_DEVICE = Path.of("/dev/kvm");
  private static final Path CPU_INFO = Path.of("/proc/cpuinfo");

  public String qemuName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** tcg, kvm, or auto (probed on this machine). */
  public static Accelerator parse(String text) {
    if ("auto".equals(text)) {
      return probe(KVM_DEVICE, CPU_INFO);
    }
    for (Accelerator a : values()) {
      if (a.qemuName().equals(text)) {
        return a;
      }
    }
    throw new OperatorError("unknown accelerator '" + text + "' (auto, tcg or kvm)");
  }

  /** KVM if {@code device} opens read-write and {@code cpuInfo} shows no hypervisor under this machine; else TCG. */
  static Accelerator probe(Path device, Path cpuInfo) {
    try (FileChannel c = FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // opened: this user may use the device
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return TCG;
    }
    return underHypervisor(cpuInfo) ? TCG : KVM;
  }

  /** The CPU flag a hypervisor sets for its guests; an unreadable cpuinfo counts as a guest (TCG is safe). */
  private static boolean underHypervisor(Path cpuInfo) {
    try (var lines = Files.lines(cpuInfo)) {
      return lines.filter(l -> l.startsWith("flags")).anyMatch(l -> (l + " ").contains(" hypervisor "));
    } catch (IOException | java.io.UncheckedIOException e) {
      return true;
    }
  }
}
