package org.snipblock.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.daemon.DataDir;
import org.snipblock.node.daemon.Node;
import org.snipblock.node.testing.MemoryVolumeManager;

/** The command line as an operator types it: good commands work, bad ones say why in one line. */
class CliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  record Result(int status, String out, String err) {
    /** What the operator sees on stderr, minus picocli's "Try --help" hint. */
    String error() {
      return err.lines().filter(l -> !l.startsWith("Try '")).reduce("", (a, b) -> a + b);
    }
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(status, out.toString(), err.toString());
  }

  @Test
  void importOfAMissingOrForeignFileIsRefusedBeforeAnyNodeIsAsked() throws Exception {
    // No node listens on port 1: the file is refused before the admin API is called.
    Result missing = run("volume", "import", "vol0", dir.resolve("none.snb").toString(), "--admin", "127.0.0.1:1");
    assertThat(missing.status()).isEqualTo(Main.EXIT_FAILURE);
    assertThat(missing.err().strip()).isEqualTo("snipblock: no such file: " + dir.resolve("none.snb"));
    java.nio.file.Path junk = java.nio.file.Files.writeString(dir.resolve("junk.snb"), "not a backup, just text");
    Result foreign = run("volume", "import", "vol0", junk.toString(), "--admin", "127.0.0.1:1");
    assertThat(foreign.status()).isEqualTo(Main.EXIT_FAILURE);
    assertThat(foreign.err().strip()).isEqualTo("snipblock: " + junk
        + " is not a sound backup stream: not a snipblock backup stream (bad magic); nothing was imported");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      no command                | ''                                              | missing command
      unknown command           | frobnicate                                      | Unmatched argument at index 0: 'frobnicate'
      unknown flag              | serve --data d --bogus                          | Unknown option: '--bogus'
      bad volume size           | serve --data d --volume vol0:10Q                | invalid size '10Q'
      volume without size       | serve --data d --volume vol0                    | invalid volume 'vol0': expected NAME:SIZE
      port not a number         | serve --data d --nbd-port abc                   | invalid port 'abc'
      port out of range         | serve --data d --iscsi-port 70000               | invalid port 70000
      http port out of range    | serve --data d --http-port 65536                | invalid port 65536
      unknown log format        | serve --data d --log-format yaml                | invalid log format 'yaml': expected text or json
      flag without value        | serve --data                                    | Missing required parameter for option '--data'
      up with unknown flag      | up --frob                                       | Unknown option: '--frob'
      volume without command    | volume                                          | missing command (create, list, show, resize, delete, set, snapshot
      create without size       | volume create vol0                              | Missing required parameter: 'SIZE'
      move without volume       | volume move-primary --to n2                     | Missing required parameter: 'NAME'
      create with bad size      | volume create vol0 ten                          | invalid size 'ten'
      create with odd block     | volume create vol0 1G --block-size 1000         | block size must be 512 or 4096, not 1000
      create with upper case    | volume create Web1 1G                           | invalid volume name 'Web1': use 1-63 characters a-z
      create with odd snippet   | volume create vol0 1G --snippet-size 100K       | snippet size must be a power of two
      create with odd size      | volume create vol0 1000                         | volume size must be a positive multiple of 4096 bytes, not 1000
      resize with bad size      | volume resize vol0 5X                           | invalid size '5X'
      bad admin address         | volume list --admin localhost                   | invalid address 'localhost': expected HOST:PORT
      bad admin port            | volume list --admin 127.0.0.1:99999             | invalid port 99999
      size given twice          | volume create vol0 1G --size 2G                 | give the size once
      no copies                 | volume create vol0 --size 1G --copies 0         | invalid --copies 0: must be 1..16
      copies not a number       | volume create vol0 --size 1G --copies three     | Invalid value for option '--copies'
      min-copies above copies   | volume create vol0 --size 1G --copies 2 --min-copies 3 | invalid --min-copies 3: more than --copies 2
      min-copies zero           | volume create vol0 --size 1G --min-copies 0     | invalid --min-copies 0
      unknown spread            | volume create vol0 --size 1G --spread planet    | invalid --spread: unknown spread level 'planet'
      unknown mode              | volume create vol0 --size 1G --mode eventually  | invalid --mode: unknown replication mode 'eventually'
      two admin addresses       | volume list --admin a:1,b:2                     | invalid address 'a:1,b:2': expected one HOST:PORT
      set without mode          | volume set vol0                                 | nothing to set: give --mode, --consumer, --read-only, --qos, --qos-group, --copies, --min-copies, --spread, --sites, --chap and/or --allowed-initiators
      set copies zero           | volume set vol0 --copies 0                      | invalid --copies 0: must be 1..16
      set min above copies      | volume set vol0 --copies 2 --min-copies 3       | invalid --min-copies 3: more than --copies 2
      set unknown spread        | volume set vol0 --spread planet                 | invalid --spread: unknown spread level 'planet'
      set timeout zero          | volume set vol0 --copies 2 --timeout 0s         | invalid --timeout 0s: must be 1s..24h
      set timeout not a span    | volume set vol0 --copies 2 --timeout soon       | invalid duration 'soon'
      set with unknown mode     | volume set vol0 --mode lazy                     | invalid --mode: unknown replication mode 'lazy': expected sync|async (or auto)
      auto for some stripes     | volume set vol0 --mode auto --stripes 0        | --mode auto applies to the whole volume, not --stripes
      catch-up without name     | volume catch-up                                 | Missing required parameter: 'NAME'
      catch-up unknown flag     | volume catch-up vol0 --now                      | Unknown option: '--now'
      migrate without site      | volume migrate vol0                             | Missing required option: '--to-site=SITE'
      migrate bad timeout       | volume migrate vol0 --to-site b --catch-up-timeout 0 | invalid --catch-up-timeout 0: must be 1..86400 seconds
      migrate timeout not number | volume migrate vol0 --to-site b --catch-up-timeout soon | Invalid value for option '--catch-up-timeout'
      stripes  empty            | volume set vol0 --mode sync --stripes=          | invalid stripes ''
      stripes  not a number     | volume set vol0 --mode sync --stripes a        | invalid stripes 'a' at 'a': expected stripe indexes like 0-3,7
      stripes  backwards        | volume set vol0 --mode sync --stripes 0-3,9-7  | invalid stripes '0-3,9-7': range 9-7 runs backwards
      stripes  empty entry      | volume set vol0 --mode sync --stripes 1,,2     | invalid stripes '1,,2' at ''
      stripes  trailing comma   | volume set vol0 --mode sync --stripes 1,       | invalid stripes '1,' at ''
      stripes  negative         | volume set vol0 --mode sync --stripes -1       | invalid stripes '-1'
      stripes  open range       | volume set vol0 --mode sync --stripes 3-       | invalid stripes '3-' at '3-'
      stripes  too large        | volume set vol0 --mode sync --stripes 0-99999999999999999999 | invalid stripes '0-99999999999999999999'
      stripes  two dashes       | volume set vol0 --mode sync --stripes 1-2-3    | invalid stripes '1-2-3'
      stripes  without mode     | volume set vol0 --stripes 0-3                  | nothing to set: give --mode, --consumer, --read-only, --qos, --qos-group, --copies, --min-copies, --spread, --sites, --chap and/or --allowed-initiators
      follow without stripes    | volume set vol0 --mode volume                   | invalid --mode volume: only stripes follow the volume's mode
      stripes  bad mode         | volume set vol0 --mode lazy --stripes 0        | invalid --mode: unknown replication mode 'lazy'
      verify without name       | volume verify                                   | Missing required parameter: 'NAME'
      verify unknown flag       | volume verify vol0 --fix                        | Unknown option: '--fix'
      cluster without command   | cluster                                         | missing command (status, remove-node, simulate, rebalance, moves, link-faults)
      rebalance status and plan | cluster rebalance --status --dry-run            | --status shows the last rebalance: it takes neither --dry-run nor --no-wait
      rebalance bad timeout     | cluster rebalance --timeout soon                | invalid duration 'soon'
      rebalance unknown flag    | cluster rebalance --force                       | Unknown option: '--force'
      moves with a volume       | cluster moves vol0                              | Unmatched argument at index 2: 'vol0'
      moves unknown flag        | cluster moves --all                             | Unknown option: '--all'
      faults slow without delay | cluster link-faults --slow n2                   | --slow and --delay go together
      faults delay without slow | cluster link-faults --delay 10ms                | --slow and --delay go together
      faults delay too long     | cluster link-faults --slow n2 --delay 2s        | invalid --delay 2000ms: expected 1ms..1s
      faults delay zero         | cluster link-faults --slow n2 --delay 0ms       | invalid --delay 0ms: expected 1ms..1s
      faults delay not a time   | cluster link-faults --slow n2 --delay soon      | invalid duration 'soon'
      node without command      | node                                            | missing command (drain, undrain)
      drain without node        | node drain                                      | Missing required parameter: 'ID'
      drain bad timeout         | node drain n1 --timeout soon                    | invalid duration 'soon'
      undrain without node      | node undrain                                    | Missing required parameter: 'ID'
      remove without node       | cluster remove-node                             | Missing required parameter: 'ID'
      simulate without fail     | cluster simulate                                | Missing required option: '--fail=LEVEL NAME'
      simulate half a fail      | cluster simulate --fail node                    | --fail
      simulate unknown level    | cluster simulate --fail planet p1               | invalid --fail planet: expected node ID
      export bad snapshot       | volume export vol0@ f.snb                       | invalid snapshot 'vol0@': expected VOLUME@SNAPSHOT
      export without file       | volume export vol0@s1                           | Missing required parameter: 'FILE'
      import without file       | volume import vol0                              | Missing required parameter: 'FILE'
      port in join not a number | serve --data d --cluster-port x                 | invalid port 'x'
      access show and change    | volume access vol0 --show --open                | --show cannot be combined with a change
      access without name       | volume access                                   | Missing required parameter: 'NAME'
      set chap without file     | volume set vol0 --chap u1                       | invalid --chap 'u1': expected USER:SECRET_FILE or off
      set chap without user     | volume set vol0 --chap :f                       | invalid --chap ':f': expected USER:SECRET_FILE or off
      set chap empty file name  | volume set vol0 --chap u1:                      | invalid --chap 'u1:': expected USER:SECRET_FILE or off
      set chap missing file     | volume set vol0 --chap iqn.x:h1:/nonexistent/s  | cannot read --secret-file /nonexistent/s: no such file
      set initiators empty one  | volume set vol0 --allowed-initiators a,,b       | --allowed-initiators needs initiator names (IQN,IQN...) without empty entries
      set initiators empty      | volume set vol0 --allowed-initiators=           | --allowed-initiators needs initiator names
      sites empty               | volume set vol0 --sites=                        | invalid --sites: sites missing: expected SITE[,SITE...] or any
      sites named twice         | volume set vol0 --sites a,b,a                   | invalid --sites: site a named twice in sites 'a,b,a'
      sites empty name          | volume create w 1M --sites a,,b                 | invalid --sites: bad site name '' in sites 'a,,b'
      sites bad name            | volume set vol0 --sites a/b                     | invalid --sites: bad site name 'a/b'
      """)
  void malformedCommandLinesAreUsageErrors(String what, String line, String message) {
    Result r = run(line.isEmpty() ? new String[0] : line.split(" "));
    assertThat(r.status()).as(what).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.error()).as(what).contains(message);
    assertThat(r.err()).as(what).doesNotContain("\tat ").contains("Try '");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void snippetRangesReadAsOperatorsWriteThem() {
    assertThat(StripeRanges.parse("0-3,7, 12-12").ranges()).containsExactly(new StripeRanges.Range(0, 3),
        new StripeRanges.Range(7, 7), new StripeRanges.Range(12, 12));
    assertThat(StripeRanges.parse("5").ranges()).containsExactly(new StripeRanges.Range(5, 5));
  }

  @Test
  void aBadConfigFileIsOneLineNamingFileAndKey() throws IOException {
    Path config = Files.writeString(dir.resolve("node.yaml"), "data: x\nnbd-prot: 1\n");
    Result r = run("serve", "--config", config.toString());
    assertThat(r.status()).isEqualTo(Main.EXIT_FAILURE);
    assertThat(r.err().strip()).isEqualTo("snipblock: config file " + config + ", line 2: unknown key 'nbd-prot' "
        + "(known: admin, admin-port, cluster, cluster-port, data, http-port, iscsi, iscsi-port, join, listen, location, nbd, nbd-port, node-id, store, volumes)");
  }

  @Test
  void aMissingConfigFileAndAMissingDataDirAreClearErrors() {
    Result missing = run("serve", "--config", dir.resolve("nope.yaml").toString(), "--data", dir.toString());
    assertThat(missing.status()).isEqualTo(Main.EXIT_FAILURE);
    assertThat(missing.err().strip()).isEqualTo("snipblock: config file " + dir.resolve("nope.yaml") + " does not exist");

    Result noData = run("serve");
    assertThat(noData.status()).isEqualTo(Main.EXIT_FAILURE);
    assertThat(noData.err().strip())
        .isEqualTo("snipblock: no data directory: give --data DIR or 'data:' in the config file");
  }

  @Test
  void anUnwritableDataDirIsAClearError() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    Result r = run("serve", "--data", file.resolve("data").toString(), "--iscsi-port", "0", "--nbd-port", "0",
        "--admin-port", "0");
    assertThat(r.status()).isEqualTo(Main.EXIT_FAILURE);
    assertThat(r.err()).startsWith("snipblock: cannot create data directory " + file.resolve("data"))
        .doesNotContain("\tat ");
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void aPortInUseIsAClearErrorAndTheDataDirIsReleased() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Result r = run("serve", "--data", dir.resolve("data").toString(), "--iscsi-port", "0",
          "--nbd-port", String.valueOf(taken.getLocalPort()), "--admin-port", "0");
      assertThat(r.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(r.err().strip()).isEqualTo("snipblock: cannot listen on 127.0.0.1:" + taken.getLocalPort()
          + " for the NBD server: address already in use");
    }
    DataDir.claim(dir.resolve("data")).close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      bad location         | --location eu1/fc1/r1                                 | invalid location 'eu1/fc1/r1': expected site/compartment/rack/host
      bad location part    | --location eu1/f c/r1/h1                              | invalid location 'eu1/f c/r1/h1'
      bad join list        | --cluster-port 7400 --join 127.0.0.1:7400,nohost      | invalid join entry 'nohost': expected HOST:PORT
      join without a port  | --join 127.0.0.1:7400                                 | given without cluster-port
      cluster port zero    | --cluster-port 0                                      | invalid cluster-port 0
      """)
  void malformedClusterSettingsAreOneLineErrors(String what, String flags, String message) {
    List<String> args = new java.util.ArrayList<>(List.of("serve", "--data", dir.resolve("data").toString(),
        "--listen", "127.0.0.1"));
    if (flags.startsWith("--location eu1/f c")) {
      args.addAll(List.of("--location", "eu1/f c/r1/h1"));
    } else {
      args.addAll(List.of(flags.split(" ")));
    }
    Result r = run(args.toArray(String[]::new));
    assertThat(r.status()).as(what + ": " + r.err()).isEqualTo(Main.EXIT_FAILURE);
    assertThat(r.err().lines()).as(what).hasSize(1);
    assertThat(r.err()).as(what).contains(message).doesNotContain("\tat ");
  }

  @Test
  void helpNamesTheClusterFlags() {
    assertThat(run("serve", "--help").out()).contains("--cluster-port=PORT", "--join=HOST:PORT[,HOST:PORT...]",
        "--node-id=ID", "--location=SITE/COMPARTMENT/RACK/HOST");
    assertThat(run("volume", "create", "--help").out()).contains("--size=SIZE", "--copies=N", "--min-copies=M",
        "--spread=LEVEL", "host, rack, compartment or site", "--mode=MODE");
    assertThat(run("volume", "set", "--help").out()).contains("--mode=MODE");
    assertThat(run("cluster", "status", "--help").out()).contains("round-trip");
  }

  @Test
  void aStandaloneNodeRefusesWhatNeedsACluster() throws IOException {
    MemoryVolumeManager volumes = new MemoryVolumeManager(4L << 30);
    NodeConfig config = NodeConfig.resolve(new NodeOptions(dir, "127.0.0.1", 0, 0, 0, List.of(), "n1", null,
        null, List.of()));
    try (Node node = Node.start(config, DataDir.claim(dir), volumes, volumes)) {
      String admin = node.info().adminAddress();
      Result three = run("volume", "create", "vol0", "--size", "64M", "--copies", "3", "--admin", admin);
      assertThat(three.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(three.err().strip()).isEqualTo("snipblock: volume vol0: 3 copies need a cluster; this node is "
          + "standalone (start it with --cluster-port PORT --join ...)");
      assertThat(volumes.names()).as("nothing created").isEmpty();

      Result one = run("volume", "create", "vol0", "--size", "64M", "--copies", "1", "--json", "--admin", admin);
      assertThat(one.status()).as(one.err()).isZero();
      JsonNode shown = JSON.readTree(one.out());
      assertThat(shown.get("provisionedBytes").asLong()).isEqualTo(64L << 20);
      assertThat(shown.has("primary")).as("no replication fields when standalone").isFalse();

      Result set = run("volume", "set", "vol0", "--mode", "async", "--admin", admin);
      assertThat(set.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(set.err().strip()).startsWith("snipblock: replication modes: this node is standalone");
      Result snippets = run("volume", "set", "vol0", "--mode", "sync", "--stripes", "0", "--admin", admin);
      assertThat(snippets.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(snippets.err().strip()).startsWith("snipblock: replication modes: this node is standalone");
      Result copies = run("volume", "set", "vol0", "--copies", "2", "--admin", admin);
      assertThat(copies.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(copies.err().strip()).startsWith("snipblock: copies and spread: this node is standalone");
      Result verify = run("volume", "verify", "vol0", "--admin", admin);
      assertThat(verify.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(verify.err().strip()).startsWith("snipblock: verify: this node is standalone");
      Result move = run("volume", "move-primary", "vol0", "--to", "n2", "--admin", admin);
      assertThat(move.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(move.err().strip()).startsWith("snipblock: move-primary: this node is standalone");
      Result toward = run("volume", "move-primary", "vol0", "--admin", admin);
      assertThat(toward.err().strip()).startsWith("snipblock: move-primary: this node is standalone");
      Result consumer = run("volume", "set", "vol0", "--consumer", "eu1", "--admin", admin);
      assertThat(consumer.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(consumer.err().strip()).startsWith("snipblock: volume set --consumer: this node is standalone");
      Result auto = run("volume", "set", "vol0", "--mode", "auto", "--admin", admin);
      assertThat(auto.err().strip()).startsWith("snipblock: volume set --mode auto: this node is standalone");
      Result migrate = run("volume", "migrate", "vol0", "--to-site", "b", "--admin", admin);
      assertThat(migrate.err().strip()).startsWith("snipblock: volume migrate: this node is standalone");
      Result catchUp = run("volume", "catch-up", "vol0", "--admin", admin);
      assertThat(catchUp.err().strip()).startsWith("snipblock: volume catch-up: this node is standalone");
      Result status = run("cluster", "status", "--admin", admin);
      assertThat(status.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(status.err().strip()).startsWith("snipblock: cluster status: this node is standalone");
    }
  }

  @Test
  void anUnreachableNodeIsAClearError() throws IOException {
    int free;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      free = s.getLocalPort();
    }
    Result r = run("volume", "list", "--admin", "127.0.0.1:" + free);
    assertThat(r.status()).isEqualTo(Main.EXIT_FAILURE);
    assertThat(r.err().strip()).isEqualTo("snipblock: cannot reach the snipblock admin API at 127.0.0.1:" + free
        + " (is the node running? give --admin HOST:PORT; a node with admin.tls needs --tls-ca FILE, "
        + "and --tls-cert/--tls-key when it asks for client certificates)");
  }

  @Test
  void volumeCommandsTalkToARunningNodeInTextAndJson() throws IOException {
    MemoryVolumeManager volumes = new MemoryVolumeManager(4L << 30);
    NodeConfig config = NodeConfig.resolve(new NodeOptions(dir, "127.0.0.1", 0, 0, 0, List.of(), "n1", null,
        null, List.of()));
    try (Node node = Node.start(config, DataDir.claim(dir), volumes, volumes)) {
      String admin = node.info().adminAddress();

      Result created = run("volume", "create", "vol0", "64M", "--admin", admin);
      assertThat(created.status()).as(created.err()).isZero();
      assertThat(created.out()).contains("name:             vol0", "provisioned:      64 MiB (67108864 bytes)",
          "used:             0 B (0 bytes, 0.0% of provisioned)");

      JsonNode json = JSON.readTree(run("volume", "create", "vol1", "1G", "--block-size", "4096", "--json",
          "--admin", admin).out());
      assertThat(json.get("name").asText()).isEqualTo("vol1");
      assertThat(json.get("provisionedBytes").asLong()).isEqualTo(1L << 30);
      assertThat(json.get("blockSize").asInt()).isEqualTo(4096);

      // Found through DIR/node.json when no --admin is given.
      Result list = run("volume", "list", "--data", dir.toString());
      assertThat(list.status()).as(list.err()).isZero();
      assertThat(list.out().lines().toList()).hasSize(3).first().asString().startsWith("NAME");
      assertThat(list.out()).contains("vol0", "vol1");
      JsonNode listed = JSON.readTree(run("volume", "list", "--json", "--admin", admin).out());
      assertThat(listed.get("volumes")).hasSize(2);

      Result show = run("volume", "show", "vol1", "--admin", admin);
      assertThat(show.out()).contains("block size:       4096", "I/O since start:");

      Result refused = run("volume", "resize", "vol0", "128M", "--admin", admin);
      assertThat(refused.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(refused.err().strip()).startsWith("snipblock: cannot resize 'vol0'");

      Result deleted = run("volume", "delete", "vol0", "--admin", admin);
      assertThat(deleted.out().strip()).isEqualTo("deleted volume vol0");
      Result gone = run("volume", "show", "vol0", "--admin", admin);
      assertThat(gone.status()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(gone.err().strip()).isEqualTo("snipblock: no volume named 'vol0'");
      Result again = run("volume", "create", "vol1", "1G", "--admin", admin);
      assertThat(again.err().strip()).isEqualTo("snipblock: volume 'vol1' already exists");

      Result status = run("status", "--json", "--admin", admin);
      assertThat(JSON.readTree(status.out()).get("nodeId").asText()).isEqualTo("n1");
      // A node without a store of its own has no background work to cap.
      assertThat(run("status", "--admin", admin).out()).contains("background:  no cap, 0 B granted since start");
    }
  }
}
