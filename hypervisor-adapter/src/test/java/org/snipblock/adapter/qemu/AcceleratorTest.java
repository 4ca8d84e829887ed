package org.snipblock.adapter.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.OperatorError;

/** {@code --accel auto}: KVM only where /dev/kvm is usable and the machine is no guest itself. */
class AcceleratorTest {
  private static final String BARE = "processor\t: 0\nflags\t\t: fpu vme sse2 vmx\n";
  private static final String GUEST = "processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor\n";

  @TempDir Path dir;

  @Test
  void usableKvmOnBareMetalIsKvm() throws Exception {
    Path kvm = Files.createFile(dir.resolve("kvm"));
    assertThat(Accelerator.probe(kvm, Files.writeString(dir.resolve("cpuinfo"), BARE))).isEqualTo(Accelerator.KVM);
  }

  @Test
  void noKvmDeviceIsTcg() throws Exception {
    assertThat(Accelerator.probe(dir.resolve("no-kvm"), Files.writeString(dir.resolve("cpuinfo"), BARE)))
        .isEqualTo(Accelerator.TCG);
  }

  @Test
  void aKvmDeviceThisUserCannotWriteIsTcg() throws Exception {
    Path kvm = Files.createFile(dir.resolve("kvm"));
    Files.setPosixFilePermissions(kvm, PosixFilePermissions.fromString("r--r--r--"));
    // root opens any file read-write: there, a directory stands for a device that will not open
    Path unusable = Files.isWritable(kvm) ? Files.createDirectory(dir.resolve("kvm-dir")) : kvm;
    assertThat(Accelerator.probe(unusable, Files.writeString(dir.resolve("cpuinfo"), BARE))).isEqualTo(Accelerator.TCG);
  }

  @Test
  void kvmInsideAGuestIsTcgAndSoIsAnUnreadableCpuinfo() throws Exception {
    Path kvm = Files.createFile(dir.resolve("kvm"));
    assertThat(Accelerator.probe(kvm, Files.writeString(dir.resolve("cpuinfo"), GUEST))).isEqualTo(Accelerator.TCG);
    assertThat(Accelerator.probe(kvm, dir.resolve("no-cpuinfo"))).isEqualTo(Accelerator.TCG);
  }

  @Test
  void namedAcceleratorsAndABadName() {
    assertThat(Accelerator.parse("tcg")).isEqualTo(Accelerator.TCG);
    assertThat(Accelerator.parse("kvm")).isEqualTo(Accelerator.KVM);
    assertThat(Accelerator.parse("auto")).isIn(Accelerator.TCG, Accelerator.KVM);
    assertThatThrownBy(() -> Accelerator.parse("xen")).isInstanceOf(OperatorError.class)
        .hasMessage("unknown accelerator 'xen' (auto, tcg or kvm)");
  }
}
