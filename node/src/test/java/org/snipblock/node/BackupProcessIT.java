package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.Tools;

/**
 * Changed-block tracking over NBD and backup streams on a standalone node process, through real
 * clients: nbdinfo reads the snipblock:changed: contexts, qemu-img and qemu-io write and compare.
 */
class BackupProcessIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long KIB = 1024;
  private static final long MIB = 1 << 20;

  @TempDir Path tmp;

  private static List<List<Long>> map(String context, String url) {
    return Tools.nbdinfoMap(context, url);
  }

  private static String compare(String a, String b) {
    return Tools.run(300, "qemu-img", "compare", "-f", "raw", "-F", "raw", a, b).output();
  }

  /**
   * At a terminal (a pseudo-terminal made by {@code script}) an export draws its progress bar with
   * rate and time left; into a pipe it writes plain lines, and with --json one JSON object a line on
   * stderr before the result. An import of the stream shows its progress the same ways.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void exportAndImportShowProgressAsABarLinesOrJson() throws IOException {
    Tools.require("script", "qemu-img");
    Path image = Tools.randomImage(tmp.resolve("p.img"), 32 * MIB, 3);
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data")).start()) {
      node.cli("volume", "create", "vol", "32M");
      Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), node.nbdUrl("vol")).ok();
      node.cli("volume", "snapshot", "vol", "s1");
      List<String> export = List.of("volume", "export", "vol@s1", tmp.resolve("tty.snip").toString(),
          "--admin", node.info().adminAddress());
      String command = String.join(" ", DaemonProcess.snipblockCommand(export));
      String atTerminal = Tools.run(120, "script", "-q", "-e", "-c", command, "/dev/null").ok().output();
      assertThat(atTerminal).contains("\rexport vol@s1 [").contains("] 100% 32.0 MiB, ").contains(" MiB/s")
          .contains("exported vol@s1 (full)");

      String plain = Tools.run(120, DaemonProcess.snipblockCommand(List.of("volume", "export", "vol@s1",
          tmp.resolve("plain.snip").toString(), "--admin", node.info().adminAddress())).toArray(String[]::new))
          .ok().output();
      assertThat(plain).doesNotContain("[#").doesNotContain("\r").contains("export vol@s1: 100% 32.0 MiB, ");
      String json = Tools.run(120, "script", "-q", "-e", "-c", command.replace("tty.snip", "json.snip") + " --json",
          "/dev/null").ok().output();
      assertThat(json).doesNotContain("[#").startsWith("{\"progress\":\"export vol@s1\",")
          .contains("{\"progress\":\"export vol@s1\",\"percent\":100,");

      Path stream = tmp.resolve("plain.snip");
      DaemonProcess.CliRun imported = node.cliWithProgress("volume", "import", "restored", stream.toString());
      assertThat(imported.out()).contains("into restored as snapshot s1 (full)");
      List<String> importing = imported.err().lines().toList();
      assertThat(importing).as(imported.err()).isNotEmpty()
          .allMatch(l -> l.matches("import restored: \\d+% [0-9.]+ [KM]?i?B.*"), "a progress line");
      assertThat(importing.get(importing.size() - 1)).startsWith("import restored: 100% ").contains("/s");
      DaemonProcess.CliRun scripted = node.cliWithProgress("volume", "import", "again", stream.toString(), "--json");
      List<JsonNode> lines = new java.util.ArrayList<>();
      for (String l : scripted.err().lines().toList()) {
        lines.add(JSON.readTree(l));
      }
      assertThat(lines).as(scripted.err()).isNotEmpty()
          .allSatisfy(l -> assertThat(l.get("progress").asText()).isEqualTo("import again"));
      JsonNode whole = lines.get(lines.size() - 1);
      assertThat(whole.get("percent").asInt()).isEqualTo(100);
      assertThat(whole.get("done").asLong()).isEqualTo(whole.get("total").asLong()).isGreaterThan(32L << 20);
      assertThat(JSON.readTree(scripted.out()).get("snapshot").asText()).isEqualTo("s1");
      assertThat(compare(image.toString(), node.nbdUrl("again"))).contains("Images are identical");
    }
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void nbdinfoMapsExactlyTheExtentsWrittenSinceASnapshot() throws IOException {
    Tools.require("nbdinfo", "qemu-img", "qemu-io");
    Path image = Tools.randomImage(tmp.resolve("a.img"), 32 * MIB, 1);
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data")).start()) {
      node.cli("volume", "create", "vol", "32M");
      Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), node.nbdUrl("vol")).ok();
      node.cli("volume", "snapshot", "vol", "s1");
      assertThat(map("snipblock:changed:s1", node.nbdUrl("vol"))).containsExactly(List.of(0L, 32 * MIB, 0L));

      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x22 1M 64k", "-c", "write -P 0x33 5M 4k",
          "-c", "write -z 8M 8k", "-c", "write -P 0x44 20971520 512", "-c", "flush", node.nbdUrl("vol")).ok();
      // Whole 4 KiB chunks are tracked: the 512-byte write marks its chunk.
      assertThat(map("snipblock:changed:s1", node.nbdUrl("vol"))).containsExactly(
          List.of(0L, MIB, 0L), List.of(MIB, 64 * KIB, 1L), List.of(MIB + 64 * KIB, 4 * MIB - 64 * KIB, 0L),
          List.of(5 * MIB, 4 * KIB, 1L), List.of(5 * MIB + 4 * KIB, 3 * MIB - 4 * KIB, 0L),
          List.of(8 * MIB, 8 * KIB, 1L), List.of(8 * MIB + 8 * KIB, 12 * MIB - 8 * KIB, 0L),
          List.of(20 * MIB, 4 * KIB, 1L), List.of(20 * MIB + 4 * KIB, 12 * MIB - 4 * KIB, 0L));

      // A later snapshot's export reports against the older one; the newest against none of its own.
      node.cli("volume", "snapshot", "vol", "s2");
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x55 30M 4k", node.nbdUrl("vol")).ok();
      assertThat(map("snipblock:changed:s1", node.nbdUrl("vol@s2"))).contains(List.of(MIB, 64 * KIB, 1L))
          .doesNotContain(List.of(30 * MIB, 4 * KIB, 1L));
      assertThat(map("snipblock:changed:s2", node.nbdUrl("vol"))).containsExactly(
          List.of(0L, 30 * MIB, 0L), List.of(30 * MIB, 4 * KIB, 1L), List.of(30 * MIB + 4 * KIB, 2 * MIB - 4 * KIB, 0L));

      // Listing: every snapshot's context is offered on the volume; unknown names are not.
      String listed = Tools.run(60, "nbdinfo", "--json", node.nbdUrl("vol")).ok().output();
      assertThat(listed).contains("\"snipblock:changed:s1\"", "\"snipblock:changed:s2\"", "\"base:allocation\"");
      assertThat(listed).doesNotContain("snipblock:changed:nope");
      assertThat(Tools.run(60, "nbdinfo", "--map=snipblock:changed:nope", node.nbdUrl("vol")).exit()).isNotZero();
      // base:allocation still answers alongside.
      assertThat(map("base:allocation", node.nbdUrl("vol"))).isNotEmpty();
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void anIncrementalExportImportedOntoACopyOfItsBaseGivesTheSourceImage() throws IOException {
    Tools.require("qemu-img", "qemu-io");
    Path image = Tools.randomImage(tmp.resolve("a.img"), 32 * MIB, 2);
    Path full = tmp.resolve("full.snipblock");
    Path inc = tmp.resolve("inc.snipblock");
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data")).start()) {
      node.cli("volume", "create", "src", "32M");
      Tools.run(120, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), node.nbdUrl("src")).ok();
      node.cli("volume", "snapshot", "src", "s1");
      assertThat(node.cli("volume", "export", "src@s1", full.toString())).contains("exported src@s1 (full)");
      assertThat(node.cli("volume", "import", "copy", full.toString())).contains("into copy as snapshot s1 (full)");
      assertThat(compare(image.toString(), node.nbdUrl("copy"))).contains("Images are identical");

      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x22 1M 64k", "-c", "write -z 8M 1M",
          "-c", "write -P 0x33 31M 512", "-c", "discard 16M 2M", "-c", "flush", node.nbdUrl("src")).ok();
      node.cli("volume", "snapshot", "src", "s2");
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x66 2M 4k", node.nbdUrl("src")).ok(); // after s2
      JsonNode exported = JSON.readTree(node.cli("volume", "export", "src@s2", inc.toString(), "--since", "s1", "--json"));
      assertThat(exported.get("streamBytes").asLong()).as("only the changes travel").isLessThan(2 * MIB);
      assertThat(Files.size(inc)).isEqualTo(exported.get("streamBytes").asLong());

      // Refusals first, each one line and exit 1, changing nothing.
      node.cli("volume", "create", "blank", "32M");
      assertThat(oneLine(node.cliError("volume", "import", "blank", inc.toString()))).contains("wrong base");
      node.cli("volume", "import", "dirty", full.toString());
      Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x77 0 4k", node.nbdUrl("dirty")).ok();
      assertThat(oneLine(node.cliError("volume", "import", "dirty", inc.toString())))
          .contains("has changed since snapshot s1");
      byte[] bytes = Files.readAllBytes(inc);
      bytes[bytes.length / 2] ^= 0x01;
      Path damaged = Files.write(tmp.resolve("damaged.snipblock"), bytes);
      assertThat(oneLine(node.cliError("volume", "import", "copy", damaged.toString())))
          .contains("not a sound backup stream").containsPattern("extent at offset \\d+: CRC32C mismatch");
      Path truncated = Files.write(tmp.resolve("truncated.snipblock"), java.util.Arrays.copyOf(bytes, 100));
      assertThat(oneLine(node.cliError("volume", "import", "copy", truncated.toString()))).contains("truncated");
      assertThat(node.cliError("volume", "import", "copy", full.toString())).contains("has been written");
      assertThat(compare(image.toString(), node.nbdUrl("copy"))).as("nothing applied").contains("Images are identical");

      assertThat(node.cli("volume", "import", "copy", inc.toString())).contains("as snapshot s2 (incremental)");
      assertThat(compare(node.nbdUrl("src@s2"), node.nbdUrl("copy"))).contains("Images are identical");
      assertThat(compare(node.nbdUrl("src@s2"), node.nbdUrl("copy@s2"))).contains("Images are identical");
      assertThat(oneLine(node.cliError("volume", "import", "copy", inc.toString())))
          .contains("already has a snapshot named s2");
      JsonNode snaps = JSON.readTree(node.cli("volume", "snapshots", "copy", "--json")).get("snapshots");
      assertThat(snaps.findValuesAsText("name")).containsExactly("s1", "s2");

      // The live volume (written since s2), through a temporary snapshot the node deletes afterwards.
      Path live = tmp.resolve("live.snipblock");
      assertThat(node.cli("volume", "export", "src", live.toString()))
          .contains("exported src (live, through a temporary snapshot) (full)");
      assertThat(node.cli("volume", "import", "restored", live.toString())).contains("(full)");
      assertThat(compare(node.nbdUrl("src"), node.nbdUrl("restored"))).contains("Images are identical");
      Path liveSince = tmp.resolve("live-since-s2.snipblock");
      assertThat(node.cli("volume", "export", "src", liveSince.toString(), "--since", "s2"))
          .contains("(live, through a temporary snapshot) (changes since s2)");
      assertThat(node.cli("volume", "import", "copy", liveSince.toString())).contains("(incremental)");
      assertThat(compare(node.nbdUrl("src"), node.nbdUrl("copy"))).contains("Images are identical");
      assertThat(JSON.readTree(node.cli("volume", "snapshots", "src", "--json")).get("snapshots")
          .findValuesAsText("name")).as("the temporary snapshots are gone").containsExactly("s1", "s2");
      assertThat(oneLine(node.cliError("volume", "export", "nope", tmp.resolve("nope.snipblock").toString())))
          .contains("nope");
      assertThat(oneLine(node.cliError("volume", "export", "src", tmp.resolve("bad.snipblock").toString(),
          "--since", "nope"))).contains("no snapshot named nope");
      assertThat(JSON.readTree(node.cli("volume", "snapshots", "src", "--json")).get("snapshots")
          .findValuesAsText("name")).as("a refused live export leaves no snapshot").containsExactly("s1", "s2");
    }
  }

  private static String oneLine(String stderr) {
    return Tools.backupErrorLine(stderr);
  }
}
