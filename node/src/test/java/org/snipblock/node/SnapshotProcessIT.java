package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Poll;
import org.snipblock.node.testing.Tools;

/**
 * Snapshots, clones, read-only templates, rollback and changed-block tracking on a standalone node
 * process, through real clients: qemu-img and qemu-io over NBD and iSCSI, debugfs on a clone's
 * ext4 file system, libiscsi's ReadOnly suite against a template.
 */
class SnapshotProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIB = 1 << 20;
  private static final Pattern CUNIT_TESTS = Pattern.compile("tests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)");

  @TempDir Path tmp;

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String compare(Path image, String url) {
    return Tools.run(300, "qemu-img", "compare", "-f", "raw", "-F", "raw", image.toString(), url).output();
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aSnapshotReadsBackAsTakenOverNbdAndIscsiWhileTheVolumeMovesOnAndRollsBack() throws IOException {
    Tools.require("qemu-img", "qemu-io");
    Tools.requireQemuIscsi();
    Path first = Tools.randomImage(tmp.resolve("first.img"), 32 * MIB, 1);
    Path second = Tools.randomImage(tmp.resolve("second.img"), 32 * MIB, 2);
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data")).start()) {
      node.cli("volume", "create", "vol", "32M");
      Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", first.toString(), node.nbdUrl("vol")).ok();
      assertThat(node.cli("volume", "snapshot", "vol", "s1")).contains("s1");
      Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", second.toString(), node.nbdUrl("vol")).ok();

      assertThat(compare(first, node.nbdUrl("vol@s1"))).contains("Images are identical");
      assertThat(compare(first, node.iscsiUrl("vol:s1"))).contains("Images are identical");
      assertThat(compare(second, node.nbdUrl("vol"))).contains("Images are identical");
      assertThat(Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x11 0 4k", node.nbdUrl("vol@s1")).exit())
          .as("a snapshot export is read-only").isNotZero();

      // Changed-block tracking: exactly the ranges written since a snapshot.
      node.cli("volume", "snapshot", "vol", "s2");
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x22 1M 64k", "-c", "write -P 0x33 5M 4k",
          "-c", "flush", node.nbdUrl("vol")).ok();
      JsonNode diff = JSON.readTree(node.cli("volume", "diff", "vol", "--from", "s2", "--json"));
      assertThat(diff.get("changedBytes").asLong()).isEqualTo(64 * 1024 + 4096);
      assertThat(diff.get("extents").toString())
          .isEqualTo("[{\"offset\":1048576,\"length\":65536},{\"offset\":5242880,\"length\":4096}]");
      assertThat(JSON.readTree(node.cli("volume", "diff", "vol", "--from", "s1", "--to", "s2", "--json"))
          .get("changedBytes").asLong()).isEqualTo(32 * MIB);

      JsonNode shown = JSON.readTree(node.cli("volume", "show", "vol", "--json"));
      assertThat(shown.get("snapshots").findValuesAsText("name")).containsExactly("s1", "s2");
      assertThat(node.cli("volume", "snapshots", "vol")).contains("s1", "s2", "EXCLUSIVE");

      node.cli("volume", "rollback", "vol", "s1");
      assertThat(compare(first, node.nbdUrl("vol"))).contains("Images are identical");
      node.cli("volume", "snapshot-delete", "vol", "s2");
      assertThat(compare(first, node.nbdUrl("vol@s1"))).contains("Images are identical");

      // Bad requests: one clear line each, nothing changed.
      assertThat(node.cliError("volume", "snapshot", "vol", "s1")).contains("already has a snapshot named s1");
      assertThat(node.cliError("volume", "snapshot-delete", "vol", "nope")).contains("no snapshot named nope");
      assertThat(node.cliError("volume", "rollback", "vol", "nope")).contains("no snapshot named nope");
      assertThat(node.cliError("volume", "snapshot", "vol", "Bad!")).contains("invalid snapshot name");
      assertThat(node.cliError("volume", "clone", "vol@nope", "c")).contains("no snapshot named nope");
      assertThat(node.cliError("volume", "diff", "vol", "--from", "nope")).contains("no snapshot named nope");
      assertThat(JSON.readTree(node.cli("volume", "snapshots", "vol", "--json")).get("snapshots")).hasSize(1);
    }
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void threeClonesOfAReadOnlyTemplateReadItsFilesAndKeepTheirWritesApart() throws IOException {
    Tools.require("qemu-img", "qemu-io", "mke2fs", "debugfs", "iscsi-test-cu");
    Path root = Files.createDirectories(tmp.resolve("root/etc"));
    Files.writeString(root.resolve("hostname"), "golden-image\n");
    Path template = tmp.resolve("template.img");
    Tools.run(60, "mke2fs", "-q", "-F", "-t", "ext4", "-d", tmp.resolve("root").toString(), template.toString(), "16M").ok();

    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data")).start()) {
      node.cli("volume", "create", "tmpl", "16M");
      Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", template.toString(), node.nbdUrl("tmpl")).ok();
      assertThat(node.cli("volume", "set", "tmpl", "--read-only", "true")).contains("read-only:        yes");
      node.cli("volume", "snapshot", "tmpl", "gold");
      List<String> clones = List.of("web1", "web2", "web3");
      for (String c : clones) {
        assertThat(node.cli("volume", "clone", "tmpl@gold", c)).contains("clone of:         tmpl@gold");
      }
      assertThat(Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x11 0 4k", node.nbdUrl("tmpl")).exit())
          .as("the template is read-only").isNotZero();

      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0xc1 12M 64k", node.nbdUrl("web1")).ok();
      for (String c : clones) {
        Path copy = tmp.resolve(c + ".img");
        Tools.run(120, "qemu-img", "convert", "-f", "raw", "-O", "raw", node.nbdUrl(c), copy.toString()).ok();
        assertThat(Tools.run(60, "debugfs", "-R", "cat /etc/hostname", copy.toString()).ok().output())
            .as("%s reads the template's files", c).contains("golden-image");
      }
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "read -P 0xc1 12M 64k", node.nbdUrl("web1")).ok();
      assertThat(compare(template, node.nbdUrl("tmpl"))).contains("Images are identical");
      assertThat(compare(template, node.nbdUrl("web2"))).contains("Images are identical");
      assertThat(compare(template, node.nbdUrl("web3"))).contains("Images are identical");

      JsonNode web1 = JSON.readTree(node.cli("volume", "show", "web1", "--json"));
      assertThat(web1.get("parent").asText()).isEqualTo("tmpl@gold");
      assertThat(web1.get("storedBytes").asLong()).as("a clone stores only what it wrote")
          .isLessThan(MIB);
      assertThat(JSON.readTree(node.cli("volume", "show", "tmpl", "--json")).get("children").toString())
          .isEqualTo("[\"web1\",\"web2\",\"web3\"]");
      assertThat(node.cliError("volume", "snapshot-delete", "tmpl", "gold")).contains("web1, web2, web3");
      assertThat(node.cliError("volume", "delete", "tmpl")).contains("clones");

      // The write-protection suite of libiscsi against the template on a real node.
      String target = "iscsi://127.0.0.1:" + node.info().iscsiPort() + "/iqn.2026-11.org.snipblock:tmpl/0";
      String suite = Tools.run(300, "iscsi-test-cu", "-d", "-t", "ALL.ReadOnly", target).output();
      Matcher m = CUNIT_TESTS.matcher(suite);
      assertThat(m.find()).as("libiscsi's summary in:%n%s", suite).isTrue();
      int ran = Integer.parseInt(m.group(2));
      assertThat(ran).as(suite).isPositive();
      assertThat(Integer.parseInt(m.group(3))).as("passed of %d:%n%s", ran, suite).isEqualTo(ran);
      assertThat(Integer.parseInt(m.group(4))).as(suite).isZero();

      List<String> names = new ArrayList<>();
      JSON.readTree(node.cli("volume", "list", "--json")).get("volumes").forEach(v -> names.add(v.get("name").asText()));
      assertThat(names).containsExactly("tmpl", "web1", "web2", "web3");

      // A flattened clone outlives its template; --wait returns once it no longer reads from it.
      JsonNode flattened = json(node.cli("volume", "flatten", "web2", "--wait", "--json"));
      assertThat(flattened.has("parent") && !flattened.get("parent").isNull()).as(flattened.toString()).isFalse();
      assertThat(flattened.get("flatten").get("running").asBoolean()).isFalse();
      assertThat(node.cli("volume", "show", "web2")).contains("flatten:", "(done)").doesNotContain("clone of:");
      node.cli("volume", "delete", "web1");
      node.cli("volume", "delete", "web3");
      node.cli("volume", "snapshot-delete", "tmpl", "gold");
      node.cli("volume", "delete", "tmpl");
      assertThat(compare(template, node.nbdUrl("web2"))).contains("Images are identical");
    }
  }

  /**
   * Ctrl-C (SIGINT) to {@code volume flatten --wait} ends the waiting, not the flatten: the command
   * says so as its last line, and the node finishes the flatten on its own (512 MiB to copy at the
   * store's background rate, 100 MiB/s: seconds, against a first progress line within one).
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void ctrlCDuringAFlattenWaitLeavesTheFlattenRunningOnTheNode() throws IOException {
    Tools.require("qemu-io", "kill");
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data")).start()) {
      node.cli("volume", "create", "base", "512M");
      Tools.run(120, "qemu-io", "-f", "raw", "-c", "write -P 0x3c 0 512M", node.nbdUrl("base")).ok();
      node.cli("volume", "snapshot", "base", "s1");
      node.cli("volume", "clone", "base@s1", "web");
      Path err = tmp.resolve("flatten.err");
      Process waiting = new ProcessBuilder(DaemonProcess.snipblockCommand(List.of("volume", "flatten", "web", "--wait",
          "--admin", node.info().adminAddress()))).redirectError(err.toFile())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try {
        String first = Poll.until("the flatten's first progress line", Duration.ofSeconds(60), () -> text(err).lines()
            .filter(l -> l.startsWith("flatten web: ")).findFirst());
        assertThat(first).as("interrupted while the flatten runs").doesNotStartWith("flatten web: 100%");
        Tools.run(30, "kill", "-INT", String.valueOf(waiting.pid())).ok();
        assertThat(Tools.waitFor(waiting, 30)).as("the command ended by SIGINT").isEqualTo(130);
      } finally {
        waiting.destroyForcibly();
      }
      assertThat(text(err).strip().lines().reduce((a, b) -> b).orElse(""))
          .isEqualTo("snipblock: interrupted; the flatten of web goes on on the nodes (volume show web)");
      JsonNode done = Poll.until("the flatten finished on the node", Duration.ofSeconds(120), () -> Optional.of(
          json(node.cli("volume", "show", "web", "--json"))).filter(v -> v.path("parent").asText("").isEmpty()));
      assertThat(done.get("flatten").get("running").asBoolean()).isFalse();
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "read -P 0x3c 0 4M", "-c", "read -P 0x3c 508M 4M",
          node.nbdUrl("web")).ok();
    }
  }

  private static String text(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
