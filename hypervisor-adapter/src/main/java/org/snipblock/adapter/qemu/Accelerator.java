package org.snipblock.adapter.qemu;

import java.util.Locale;
import org.snipblock.node.OperatorError;

/**
 * How QEMU runs guest code. TCG (emulation) is the default: it works everywhere, and where /dev/kvm
 * exists inside a VM (nested virtualisation) it may still not run a guest at all; on a machine of
 * this project's kind a guest under {@code -accel kvm} hung before its kernel started. KVM is chosen
 * by the operator who knows it works.
 */
public enum Accelerator {
  TCG, KVM;

  public String qemuName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Accelerator parse(String text) {
    for (Accelerator a : values()) {
      if (a.qemuName().equals(text)) {
        return a;
      }
    }
    throw new OperatorError("unknown accelerator '" + text + "' (tcg or kvm)");
  }
}
