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
import org.snipblock.node.testing.QemuIoSession;
import org.snipblock.node.testing.Tools;

/**
 * Snapshots, clones, read-only templates, rollback and changed-block tracking on a standalone node
 * process, through real clients: qemu-img and qemu-io over NBD and iSCSI, debugfs on a clone's
 * ext4 file system, libiscsi's ReadOnly suite against a template.
 */
class SnapshotProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIB = 1 << 20;
  private static final Duration WAIT = Duration.ofSeconds(60);
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
      // s2 overwrote all of s1; the volume overwrote 68 KiB of s2 and reads the rest of it.
      JsonNode s1 = shown.get("snapshots").get(0);
      JsonNode s2 = shown.get("snapshots").get(1);
      assertThat(s1.get("exclusiveBytes").asLong()).as("%s", s1).isEqualTo(32 * MIB);
      assertThat(s1.get("sharedBytes").asLong()).as("%s", s1).isZero();
      assertThat(s2.get("sharedBytes").asLong()).as("%s", s2).isEqualTo(32 * MIB - 68 * 1024);
      assertThat(s2.get("exclusiveBytes").asLong()).as("%s", s2).isEqualTo(68 * 1024);
      assertThat(node.cli("volume", "show", "vol")).contains("68 KiB exclusive", "shared");
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

  /** qemu-io over iSCSI, one session for the given commands; fails unless every one of them succeeded. */
  private static void overIscsi(DaemonProcess node, String volume, String... commands) {
    List<String> args = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
    for (String c : commands) {
      args.add("-c");
      args.add(c);
    }
    args.add(node.iscsiUrl(volume));
    String out = Tools.run(60, args.toArray(String[]::new)).ok().output();
    assertThat(out).as("qemu-io %s", List.of(commands)).doesNotContain("failed");
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void anIscsiSessionReadsTheSnapshotsContentAfterAForcedRollback() throws Exception {
    Tools.require("qemu-io");
    Tools.requireQemuIscsi();
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data")).start()) {
      node.cli("volume", "create", "vol", "8M");
      overIscsi(node, "vol", "write -P 0xa1 0 1M", "flush");
      node.cli("volume", "snapshot", "vol", "s1");
      overIscsi(node, "vol", "write -P 0xb2 0 1M", "flush");
      // Those clients are gone (a refused rollback changes nothing, so it may be asked until their
      // sessions have ended): a volume once used over iSCSI is not connected for ever after.
      Poll.until("a rollback of vol once its iSCSI clients are gone", Duration.ofSeconds(30),
          () -> node.cliIfOk("volume", "rollback", "vol", "s1"));
      overIscsi(node, "vol", "read -P 0xa1 0 1M");

      String target = "iqn.2026-11.org.snipblock:vol";
      try (QemuIoSession vm = QemuIoSession.iscsi(node.info().iscsiPort(), target, "iqn.2026-12.org.test:vm")) {
        vm.send("write -P 0xc3 0 1M");
        assertThat(vm.await("wrote 1048576/1048576", WAIT)).as("the VM writes").isPresent();
        String refused = node.cliError("volume", "rollback", "vol", "s1");
        assertThat(refused).contains("volume vol is connected", "--force");
        assertThat(refused.strip().lines()).as("one line: %s", refused).hasSize(1);
        vm.send("read -P 0xc3 0 1M");
        assertThat(vm.awaitAny(WAIT, "read 1048576/1048576", "failed")).as("the refusal changed nothing")
            .hasValueSatisfying(line -> assertThat(line).contains("read 1048576/1048576").doesNotContain("failed"));

        node.cli("volume", "rollback", "vol", "s1", "--force");
        // The same session, not logged in again: its next command meets a unit attention (the medium
        // may have changed), which the initiator retries, and then reads the snapshot's content.
        vm.send("read -P 0xa1 0 1M");
        assertThat(vm.awaitAny(WAIT, "read 1048576/1048576", "failed")).as("the session after the rollback")
            .hasValueSatisfying(line -> assertThat(line).contains("read 1048576/1048576").doesNotContain("failed"));
        vm.send("write -P 0xd4 1M 64k");
        assertThat(vm.awaitAny(WAIT, "wrote 65536/65536", "failed")).as("and writes on")
            .hasValueSatisfying(line -> assertThat(line).contains("wrote 65536/65536").doesNotContain("failed"));
      }
      assertThat(node.log()).contains("vol was rolled back to a snapshot: every nexus is told the medium may have changed");
      // A new session sees the same.
      overIscsi(node, "vol", "read -P 0xa1 0 1M", "read -P 0xd4 1M 64k");
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
    // The background budget at 32M keeps the flatten of 512M running for 16 s at least: at the
    // default rate it once ended between its first progress line and the SIGINT.
    Path config = tmp.resolve("node.yaml");
    Files.writeString(config, "store:\n  background-rate: 32M\n");
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data"), "--config", config.toString()).start()) {
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
