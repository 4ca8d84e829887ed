package org.snipblock.adapter.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.snipblock.adapter.qemu.QemuCommand;
import org.snipblock.node.testing.Tools;

/**
 * The tests' guest: a Debian kernel and a busybox initramfs built once per test JVM from
 * src/test/resources/guest (the recipe of shared/qemu-guest, adapted for the seed disk). Nothing is
 * downloaded; the packages come from bin/test.
 */
public final class TestGuest {
  private static Built built;

  /** The kernel and initramfs paths. */
  public record Built(Path kernel, Path initrd) {
    /** Direct kernel boot into the guest program {@code mode} (counter, files or seed). */
    public QemuCommand.Boot boot(String mode) {
      return new QemuCommand.Boot(kernel.toString(), initrd.toString(), "console=ttyS0 quiet snipguest=" + mode);
    }
  }

  private static final java.util.regex.Pattern PROGRESS = java.util.regex.Pattern.compile("GUEST: n=(\\d+) t=\\d+ err=(\\d+)");

  private TestGuest() {}

  /** The last progress line of a counter guest's console: blocks written, errors. */
  public static java.util.Optional<long[]> progress(String console) {
    java.util.regex.Matcher m = PROGRESS.matcher(console);
    long[] last = null;
    while (m.find()) {
      last = new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }
    return java.util.Optional.ofNullable(last);
  }

  public static synchronized Built get() {
    if (built == null) {
      Tools.require("qemu-system-x86_64", "busybox", "cpio", "gzip", "mke2fs", "mkfs.vfat", "mcopy");
      try {
        Path dir = Files.createTempDirectory("snipblock-guest");
        for (String name : List.of("build-guest.sh", "guest-init.sh")) {
          try (InputStream in = TestGuest.class.getResourceAsStream("/guest/" + name)) {
            Files.copy(in, dir.resolve(name));
          }
        }
        String out = Tools.run(60, "bash", dir.resolve("build-guest.sh").toString(), dir.resolve("out").toString())
            .ok().output();
        Path kernel = Path.of(out.lines().filter(l -> l.startsWith("kernel=")).findFirst()
            .orElseThrow(() -> new AssertionError("build-guest.sh named no kernel: " + out)).substring(7));
        built = new Built(kernel, dir.resolve("out/initrd.gz"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return built;
  }

  /**
   * A template disk image: ext4 of {@code size} bytes with /etc/hostname = {@code hostname} and an
   * empty /var/log/boots, made with {@code mke2fs -d} (no mounting).
   */
  public static Path templateImage(Path dir, String hostname, long size) throws IOException {
    Path root = Files.createDirectories(dir.resolve("template-root"));
    Files.createDirectories(root.resolve("etc"));
    Files.createDirectories(root.resolve("var/log"));
    Files.writeString(root.resolve("etc/hostname"), hostname + "\n");
    Files.writeString(root.resolve("var/log/boots"), "");
    Path image = dir.resolve("template.img");
    try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(size);
    }
    Tools.run(60, "mke2fs", "-q", "-F", "-t", "ext4", "-d", root.toString(), image.toString()).ok();
    return image;
  }
}
