package org.snipblock.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snipblock.node.cli.CliTest.Result;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.daemon.DataDir;
import org.snipblock.node.daemon.Node;
import org.snipblock.node.testing.MemoryVolumeManager;

/** {@code volume chap}: malformed settings and secret files are one usage line, before any node is asked. */
class ChapCommandTest {
  @TempDir Path dir;

  /**
   * Each case's secret file holds CONTENT (\n a line break, "none" no file at all). No node listens
   * on port 1: every one of these is refused before the admin API is called.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      user without secret   | --user u1                          | none                      | give both --user and --secret-file (or --off)
      secret without user   | --secret-file FILE                 | sixteen-chars-ok          | give both --user and --secret-file (or --off)
      off with a setting    | --off --user u1 --secret-file FILE | sixteen-chars-ok          | --off cannot be combined with a new setting
      no such file          | --user u1 --secret-file FILE       | none                      | cannot read --secret-file FILE: no such file
      empty file            | --user u1 --secret-file FILE       | ''                        | --secret-file FILE is empty
      just a line break     | --user u1 --secret-file FILE       | \\n                       | --secret-file FILE is empty
      two lines             | --user u1 --secret-file FILE       | first-line-secret\\nmore  | --secret-file FILE has more than one line
      short secret          | --user u1 --secret-file FILE       | tooshort\\n               | CHAP secret must be 12 to 255 printable ASCII characters (96 bits at least, RFC 7143); it has 8 bytes
      user with a space     | --user 'u 1' --secret-file FILE    | sixteen-chars-ok          | CHAP user must be 1 to 255 printable characters without spaces
      mutual user alone     | --user u1 --secret-file FILE --mutual-user t | sixteen-chars-ok | give both --mutual-user and --mutual-secret-file, or neither
      same secret both ways | --user u1 --secret-file FILE --mutual-user t --mutual-secret-file FILE | sixteen-chars-ok | the mutual CHAP secret must differ from the CHAP secret
      """)
  void malformedSettingsAreUsageErrorsThatNeverShowTheSecret(String what, String options, String content, String message)
      throws IOException {
    Path file = dir.resolve("secret");
    if (!content.equals("none")) {
      Files.writeString(file, content.replace("\\n", "\n"));
    }
    List<String> args = new java.util.ArrayList<>(List.of("volume", "chap", "v1", "--admin", "127.0.0.1:1"));
    for (String o : options.split(" (?=--)")) {
      String[] kv = o.split(" ", 2);
      args.add(kv[0]);
      if (kv.length == 2) {
        args.add(kv[1].replace("'", "").replace("FILE", file.toString()));
      }
    }
    Result r = CliTest.run(args.toArray(String[]::new));
    assertThat(r.status()).as(what).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.error()).as(what).isEqualTo("snipblock: " + message.replace("FILE", file.toString()));
    if (!content.equals("none") && !content.isEmpty() && !content.equals("\\n")) {
      assertThat(r.err() + r.out()).as("the secret is never shown").doesNotContain(content.split("\\\\n")[0]);
    }
  }

  @Test
  void aStandaloneNodeSaysItsConfigurationSetsChap() throws IOException {
    MemoryVolumeManager volumes = new MemoryVolumeManager(1L << 30);
    NodeConfig config = NodeConfig.resolve(new NodeOptions(dir.resolve("data"), "127.0.0.1", 0, 0, 0, List.of(), "n1",
        null, null, List.of()));
    Path secret = Files.writeString(dir.resolve("secret"), "sixteen-chars-ok\n");
    try (Node node = Node.start(config, DataDir.claim(dir.resolve("data")), volumes, volumes)) {
      Result r = CliTest.run("volume", "chap", "vol0", "--user", "u1", "--secret-file", secret.toString(),
          "--admin", node.info().adminAddress());
      assertThat(r.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(r.err().strip()).isEqualTo("snipblock: volume chap: this node is standalone; its configuration file "
          + "sets CHAP (iscsi.volumes)");
      // volume set --chap / --allowed-initiators are the same calls: the same answers.
      Result alias = CliTest.run("volume", "set", "vol0", "--chap", "u1:" + secret, "--admin", node.info().adminAddress());
      assertThat(alias.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(alias.err()).isEqualTo(r.err());
      Result access = CliTest.run("volume", "access", "vol0", "--allow-initiator", "iqn.2026-12.x:a",
          "--admin", node.info().adminAddress());
      Result allowed = CliTest.run("volume", "set", "vol0", "--allowed-initiators", "iqn.2026-12.x:a",
          "--admin", node.info().adminAddress());
      assertThat(allowed.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(access.err()).contains("needs a cluster");
      assertThat(allowed.err()).isEqualTo(access.err());
    }
  }
}
