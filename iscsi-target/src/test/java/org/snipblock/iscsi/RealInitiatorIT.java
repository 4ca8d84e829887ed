package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.MemoryCatalog;
import org.snipblock.iscsi.login.LoginHandler;

/** Real initiators (libiscsi tools, qemu's iscsi driver) against the target on 127.0.0.1. */
class RealInitiatorIT {
  private static final Duration T = Duration.ofSeconds(30);
  private static IscsiTarget target;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    MemoryCatalog catalog = new MemoryCatalog().add("disk1", 64L << 20).add("disk2", 16L << 20)
        .add("scratch", 32L << 20)
        .add("digest", 8L << 20);
    target = new IscsiTarget(IscsiTargetConfig.defaults(), catalog);
    port = target.start();
  }

  @AfterAll
  static void stop() {
    target.close();
  }

  private static String url(String device, String query) {
    return "iscsi://127.0.0.1:" + port + "/" + IscsiTargetConfig.DEFAULT_PREFIX + device + "/0"
        + query;
  }

  @Test
  void discoveryListsEveryTargetWithThePortal() throws Exception {
    ExternalTool.require("iscsi-ls");
    String out = ExternalTool.run(T, "iscsi-ls", "iscsi://127.0.0.1:" + port).assertOk().output();
    for (String d : new String[] {"disk1", "disk2", "scratch"}) {
      assertThat(out).contains("Target:" + IscsiTargetConfig.DEFAULT_PREFIX + d
          + " Portal:127.0.0.1:" + port + ",1");
    }
  }

  @Test
  void inquiryAndReadCapacity() throws Exception {
    ExternalTool.require("iscsi-inq", "iscsi-readcapacity16");
    String inq = ExternalTool.run(T, "iscsi-inq", url("disk1", "")).assertOk().output();
    assertThat(inq).containsIgnoringCase("Peripheral Device Type");
    String cap = ExternalTool.run(T, "iscsi-readcapacity16", url("disk1", "")).assertOk()
        .output();
    assertThat(cap).contains("LOGICAL BLOCK LENGTH IN BYTES:512")
        .contains("RETURNED LOGICAL BLOCK ADDRESS:131071").contains("Total size:67108864");
  }

  @Test
  void qemuImgConvertAndCompare(@TempDir Path dir) throws Exception {
    ExternalTool.require("qemu-img");
    Path image = randomImage(dir, 16 << 20, 42);
    String u = url("disk2", "");
    ExternalTool.run(T, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw",
        image.toString(), u).assertOk();
    ExternalTool.run(T, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(), u)
        .assertOk();
  }

  @Test
  void qemuImgWithHeaderDigests(@TempDir Path dir) throws Exception {
    ExternalTool.require("qemu-img");
    Path image = randomImage(dir, 8 << 20, 7);
    try (LogCapture logs = new LogCapture(LoginHandler.class)) {
      ExternalTool.run(T, Map.of(), List.of("qemu-img", "convert", "-n", "-f", "raw",
          "--target-image-opts", image.toString(), digestOpts(port, "digest"))).assertOk();
      ExternalTool.run(T, Map.of(), List.of("qemu-img", "compare", "--image-opts",
          "driver=raw,file.driver=file,file.filename=" + image,
          digestOpts(port, "digest"))).assertOk();
      assertThat(logs.messages()).anyMatch(m -> m.contains("headerDigest=true"));
    }
  }

  /** qemu's own iSCSI options (its URL query parsing crashes on header_digest in qemu 7.2). */
  static String digestOpts(int port, String device) {
    return "driver=iscsi,transport=tcp,portal=127.0.0.1:" + port + ",target="
        + IscsiTargetConfig.DEFAULT_PREFIX + device + ",lun=0,header-digest=crc32c";
  }

  static Path randomImage(Path dir, int size, long seed) throws java.io.IOException {
    Path image = dir.resolve("random-" + seed + ".raw");
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    Files.write(image, bytes);
    return image;
  }

  @Test
  void qemuIoPatterns() throws Exception {
    ExternalTool.require("qemu-io");
    String u = url("scratch", "");
    ExternalTool.run(T, "qemu-io", "-f", "raw", "-c", "write -P 0xa5 0 1M",
        "-c", "write -P 0x5a 3M 512k", "-c", "write -z 8M 1M", u).assertOk();
    String out = ExternalTool.run(T, "qemu-io", "-f", "raw", "-c", "read -P 0xa5 0 1M",
        "-c", "read -P 0x5a 3M 512k", "-c", "read -P 0 8M 1M", "-c", "read -P 0 1M 2M", u)
        .assertOk().output();
    assertThat(out).doesNotContain("Pattern verification failed");
  }
}
