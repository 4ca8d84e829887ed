package org.snipblock.adapter.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.adapter.model.DiskSpec;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.model.VmSpec;
import org.snipblock.adapter.qemu.QemuCommand;
import org.snipblock.node.testing.Tools;

/** The libvirt domain of a VM passes libvirt's own schema check (virt-xml-validate, libvirt-clients). */
class DomainXmlTest {
  @TempDir Path dir;

  private static VmRecord vm(String name) {
    VmSpec spec = new VmSpec(2, 512L << 20, List.of(new DiskSpec(1L << 30, "base"), new DiskSpec(1L << 30, null)),
        null, null, 0, null, false, null, null, null, List.of(), null, false);
    return new VmRecord(name, spec, "h1", List.of(name + "-disk0", name + "-disk1"), VmRecord.RUNNING,
        VmRecord.RUNNING, null, 1, null, 0, null);
  }

  @Test
  void aDirectBootDomainWithNetworkDisksIsValid() throws Exception {
    Tools.require("virt-xml-validate");
    String xml = DomainXml.of(vm("web1"), new QemuCommand.Boot("/boot/vmlinuz", "/tmp/initrd.gz", "console=ttyS0 a<b"),
        "tcg", "/usr/bin/qemu-system-x86_64", "127.0.0.1", 3260, "iqn.2026-11.org.snipblock.host:h1",
        "/srv/host/vms/web1/seed.img");
    assertThat(xml).contains("<domain type='qemu'>", "<memory unit='KiB'>524288</memory>", "<vcpu>2</vcpu>",
        "<source protocol='iscsi' name='iqn.2026-11.org.snipblock:web1-disk0/0'>",
        "<host name='127.0.0.1' port='3260'/>", "<iqn name='iqn.2026-11.org.snipblock.host:h1'/>",
        "<target dev='vdb' bus='virtio'/>", "<cmdline>console=ttyS0 a&lt;b</cmdline>", "<readonly/>");
    Path file = Files.writeString(dir.resolve("web1.xml"), xml);
    assertThat(Tools.run(30, "virt-xml-validate", file.toString(), "domain").ok().output()).contains("validates");
  }

  @Test
  void aFirmwareBootKvmDomainIsValid() throws Exception {
    Tools.require("virt-xml-validate");
    String xml = DomainXml.of(vm("db1"), null, "kvm", "/usr/bin/qemu-system-x86_64", "10.0.0.5", 3261,
        "iqn.2026-11.org.snipblock.host:h2", null);
    assertThat(xml).contains("<domain type='kvm'>", "<boot dev='hd'/>").doesNotContain("<kernel>", "<readonly/>");
    Path file = Files.writeString(dir.resolve("db1.xml"), xml);
    assertThat(Tools.run(30, "virt-xml-validate", file.toString(), "domain").ok().output()).contains("validates");
  }
}
