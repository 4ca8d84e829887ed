package org.snipblock.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snipblock.cluster.RedundancyPolicy;
import org.snipblock.cluster.replica.ReplicationMode;
import org.snipblock.cluster.replica.ReplicationSettings;
import org.snipblock.cluster.topology.FailureDomain;
import org.snipblock.iscsi.ChapSecret;
import org.snipblock.iscsi.TargetAccess;
import org.snipblock.nbd.ExportPolicy;
import org.snipblock.nbd.TlsMode;
import org.snipblock.node.OperatorError;

class ConfigFileTest {
  @TempDir Path dir;

  @Test
  void readsEverySetting() throws IOException {
    Path file = dir.resolve("node.yaml");
    Files.writeString(file, """
        # a full file
        data: store
        listen: 127.0.0.1
        iscsi-port: 13260
        nbd-port: 20809
        admin-port: 17070
        node-id: n1
        location: s1/c1/r1/h1
        store:
          background-rate: 64M
        volumes:
          - name: vol0
            size: 10G
          - name: vol1
            size: 1048576
            block-size: 4096
            snippet-size: 4M
            compression: true
        """);
    NodeOptions o = ConfigFile.load(file);
    assertThat(o.dataDir()).isEqualTo(dir.toAbsolutePath().resolve("store"));
    assertThat(o.listen()).isEqualTo("127.0.0.1");
    assertThat(o.iscsiPort()).isEqualTo(13260);
    assertThat(o.nbdPort()).isEqualTo(20809);
    assertThat(o.adminPort()).isEqualTo(17070);
    assertThat(o.nodeId()).isEqualTo("n1");
    assertThat(o.location()).isEqualTo("s1/c1/r1/h1");
    assertThat(o.store().backgroundRate()).isEqualTo(64L << 20);
    assertThat(o.volumes()).containsExactly(
        new VolumeDeclaration("vol0", 10L << 30, 0, 512, false),
        new VolumeDeclaration("vol1", 1 << 20, 4 << 20, 4096, true));
  }

  @Test
  void clusterTlsFilesThatAreNoCertificateOrKeyAreRefusedWithOneLine() throws IOException {
    Path cert = Files.writeString(dir.resolve("c.pem"), "not a certificate\n");
    Path key = Files.writeString(dir.resolve("k.pem"), "-----BEGIN PRIVATE KEY-----\n@@@\n-----END PRIVATE KEY-----\n");
    String yaml = "cluster: {tls: {certificate: c.pem, key: k.pem, ca: c.pem}}";
    assertThatThrownBy(() -> ConfigFile.parse(yaml, dir.resolve("n.yaml")))
        .isInstanceOf(OperatorError.class)
        .hasMessageStartingWith("config file " + dir.resolve("n.yaml") + ": cluster.tls: cannot use certificate " + cert
            + ", key " + key + " and CA " + cert + ": ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void clusterSettingsReadLikeTheirFlags() {
    Path origin = Path.of("/etc/snipblock/node.yaml");
    NodeOptions o = ConfigFile.parse("data: /d\nlisten: 127.0.0.1\nnode-id: n2\nlocation: eu1/fc2/r1/h2\n"
        + "cluster-port: 7401\njoin: [127.0.0.1:7400, 127.0.0.1:7401]\n", origin);
    NodeConfig c = NodeConfig.resolve(o);
    assertThat(c.cluster()).isEqualTo(new ClusterSettings(7401, java.util.List.of("127.0.0.1:7400", "127.0.0.1:7401")));
    assertThat(c.location()).isEqualTo("eu1/fc2/r1/h2");
    assertThatThrownBy(() -> NodeConfig.resolve(ConfigFile.parse("data: /d\ncluster-port: 7401\njoin: [nohost]\n",
        origin))).isInstanceOf(OperatorError.class).hasMessage("invalid join entry 'nohost': expected HOST:PORT[,HOST:PORT...]");
  }

  @Test
  void clusterDefaultsAndReplicationSettingsComeFromTheFile() {
    NodeOptions o = ConfigFile.parse("""
        data: /d
        cluster-port: 7401
        cluster:
          defaults: {copies: 2, min-copies: 1, spread: rack, mode: async}
          replication:
            max-lag: 16M
            ack-timeout: 5s
            resync-rate: 0
            failover-delay: 1500ms
            rereplication-delay: 2m
          relocation:
            capacity-threshold: 80%
            iops-threshold: 20000
            latency-p99-threshold: 20ms
            move-mode: async
            rebalance-margin: 2.5%
        """, Path.of("/etc/snipblock/node.yaml"));
    ClusterSettings c = NodeConfig.resolve(o).cluster();
    assertThat(c.capacityThresholdPercent()).isEqualTo(80);
    assertThat(c.relocation()).isEqualTo(new org.snipblock.cluster.RelocationSettings(80, 20000, Duration.ofMillis(20),
        org.snipblock.cluster.RelocationSettings.MoveMode.ASYNC, 2.5));
    assertThat(c.volumeDefaults()).isEqualTo(new RedundancyPolicy(2, 1, FailureDomain.RACK, ReplicationMode.ASYNC));
    assertThat(c.replication()).isEqualTo(new ReplicationSettings(16L << 20, Duration.ofSeconds(5), 0,
        Duration.ofMillis(1500), Duration.ofMinutes(2)));
  }

  @Test
  void clusterDefaultsNotGivenAreTheBuiltInOnes() {
    ClusterSettings c = NodeConfig.resolve(ConfigFile.parse(
        "data: /d\ncluster-port: 7401\ncluster: {defaults: {copies: 5}, replication: {ack-timeout: 1m}}\n",
        Path.of("n.yaml"))).cluster();
    assertThat(c.volumeDefaults()).as("min-copies: a majority of the copies given")
        .isEqualTo(new RedundancyPolicy(5, 3, FailureDomain.COMPARTMENT, ReplicationMode.SYNC));
    ReplicationSettings d = ReplicationSettings.defaults();
    assertThat(c.replication()).isEqualTo(new ReplicationSettings(d.maxLagBytes(), Duration.ofMinutes(1),
        d.resyncBytesPerSecond(), d.failoverDelay(), d.rereplicationDelay()));
    assertThat(NodeConfig.resolve(ConfigFile.parse("data: /d\ncluster-port: 7401\n", Path.of("n.yaml"))).cluster())
        .isEqualTo(new ClusterSettings(7401, List.of("127.0.0.1:7401")));
  }

  @Test
  void aluaPolicyComesFromTheFileAndDefaultsToEveryPathActiveAndWaiting() {
    ClusterSettings c = NodeConfig.resolve(ConfigFile.parse(
        "data: /d\ncluster-port: 7401\ncluster: {alua: {other-sites: standby, transitioning: refuse, transitions: explicit}}\n",
        Path.of("n.yaml"))).cluster();
    assertThat(c.alua()).isEqualTo(new AluaPolicy(true, true, true));
    assertThat(NodeConfig.resolve(ConfigFile.parse("data: /d\ncluster-port: 7401\n", Path.of("n.yaml"))).cluster()
        .alua()).isEqualTo(AluaPolicy.DEFAULT);
  }

  /**
   * Per-volume CHAP and initiator lists in one node's YAML would make one path of a multipath
   * initiator ask what another does not: a cluster node refuses them, whether the file or the
   * command line makes it a cluster node; a standalone node takes them.
   */
  @Test
  void aClusterNodeRefusesPerVolumeIscsiAccessInItsFile() {
    String access = "iscsi: {volumes: {web1: {chap-user: u, chap-secret: s}, web2: {allowed-initiators: [iqn.2026-01.x:h]}}}\n";
    assertThatThrownBy(() -> NodeConfig.resolve(ConfigFile.parse("data: /d\ncluster-port: 7401\n" + access,
        Path.of("n.yaml"))))
        .isInstanceOf(OperatorError.class)
        .hasMessageStartingWith("iscsi.volumes (per-volume CHAP and allowed-initiators) is for standalone nodes")
        .hasMessageContaining("'snipblock volume chap NAME").hasMessageContaining("'snipblock volume access NAME")
        .hasMessageEndingWith("(found for web1, web2)")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain(": s,"));
    NodeOptions clusterFromTheCommandLine = new NodeOptions(null, null, null, null, null, List.of(), null, null, 7401,
        List.of());
    assertThatThrownBy(() -> NodeConfig.resolve(ConfigFile.parse("data: /d\n" + access, Path.of("n.yaml")),
        clusterFromTheCommandLine)).isInstanceOf(OperatorError.class).hasMessageContaining("is for standalone nodes");
    assertThat(NodeConfig.resolve(ConfigFile.parse("data: /d\n" + access, Path.of("n.yaml"))).iscsiAccess())
        .as("standalone").containsOnlyKeys("web1", "web2");
  }

  @Test
  void theChapKeyFileIsReadRelativeToTheConfigAndAMalformedOneStopsTheNodeWithoutItsContent() throws Exception {
    java.nio.file.Files.writeString(dir.resolve("chap.key"), "00".repeat(32) + "\n");
    ClusterSettings c = NodeConfig.resolve(ConfigFile.parse("data: /d\ncluster-port: 7401\ncluster: {chap-key: chap.key}\n",
        dir.resolve("n.yaml"))).cluster();
    assertThat(c.chapKey().id()).isEqualTo(org.snipblock.cluster.meta.ChapKey.of(new byte[32]).id());
    assertThat(NodeConfig.resolve(ConfigFile.parse("data: /d\ncluster-port: 7401\n", dir.resolve("n.yaml"))).cluster()
        .chapKey()).as("none given").isNull();
    java.nio.file.Files.writeString(dir.resolve("bad.key"), "not-a-key-at-all\n");
    assertThatThrownBy(() -> ConfigFile.parse("cluster: {chap-key: bad.key}\n", dir.resolve("n.yaml")))
        .isInstanceOf(OperatorError.class)
        .hasMessage("config file " + dir.resolve("n.yaml") + ": cluster.chap-key: the CHAP key file "
            + dir.resolve("bad.key") + " must hold one line of 32 bytes as 64 hex digits or base64"
            + " (e.g. head -c 32 /dev/urandom | base64)");
  }

  @Test
  void siteSettingsComeFromTheFile() {
    NodeOptions o = ConfigFile.parse("data: /d\ncluster-port: 7401\ncluster:\n  sites:\n    sync-bound: 2ms\n"
        + "    auto-sync-lag: 4M\n    balloon-floor: 8M\n    simulated-wan: {delay: 15ms, rate: 16M}\n",
        java.nio.file.Path.of("n.yaml"));
    org.snipblock.cluster.follow.SiteSettings s = o.cluster().siteSettings();
    assertThat(s).isEqualTo(new org.snipblock.cluster.follow.SiteSettings(Duration.ofMillis(2), 4L << 20,
        Duration.ofMillis(200), 8L << 20, new org.snipblock.cluster.follow.SiteSettings.SimulatedWan(
            Duration.ofMillis(15), 16L << 20)));
    assertThat(s.linkFaults()).as("link faults only when asked for").isFalse();
    assertThat(ConfigFile.parse("data: /d\n", java.nio.file.Path.of("n.yaml")).cluster().siteSettings())
        .as("built in: no simulated WAN").isEqualTo(org.snipblock.cluster.follow.SiteSettings.defaults());
    assertThat(ConfigFile.parse("data: /d\ncluster-port: 7401\ncluster: {sites: {link-faults: true}}\n",
        java.nio.file.Path.of("n.yaml")).cluster().siteSettings().linkFaults()).isTrue();
  }

  @Test
  void clusterSettingsOnAStandaloneNodeAreRefused() {
    assertThatThrownBy(() -> NodeConfig.resolve(ConfigFile.parse("data: /d\ncluster: {defaults: {copies: 2}}\n",
        Path.of("n.yaml")))).isInstanceOf(OperatorError.class)
        .hasMessageStartingWith("'cluster:' settings given without cluster-port");
  }

  @Test
  void readsTheFrontendsSecurity() throws IOException {
    Files.writeString(dir.resolve("server.pem"), "cert");
    Files.writeString(dir.resolve("server.key"), "key");
    Path file = dir.resolve("node.yaml");
    Files.writeString(file, """
        iscsi:
          volumes:
            web1: {chap-user: u, chap-secret: s, mutual-user: t, mutual-secret: m,
                   allowed-initiators: [iqn.2026-01.example:h1]}
            web2: {allowed-initiators: [iqn.2026-01.example:h2]}
        nbd:
          tls: required
          certificate: server.pem
          key: server.key
          exports:
            web1: {read-only: true, allowed-addresses: [127.0.0.1/32], allowed-certificate-names: [h1],
                   description: web disk}
        """);
    NodeOptions o = ConfigFile.load(file);
    assertThat(o.iscsiAccess()).containsOnly(
        entry("web1", new TargetAccess(new ChapSecret("u", "s"), new ChapSecret("t", "m"),
            Set.of("iqn.2026-01.example:h1"))),
        entry("web2", new TargetAccess(null, null, Set.of("iqn.2026-01.example:h2"))));
    assertThat(o.nbd()).isEqualTo(new NbdSecurity(TlsMode.REQUIRED, dir.toAbsolutePath().resolve("server.pem"),
        dir.toAbsolutePath().resolve("server.key"), null,
        Map.of("web1", new ExportPolicy(true, List.of("127.0.0.1/32"), List.of("h1"), "web disk"))));
  }

  @Test
  void aBareOffIsTlsOff() {
    assertThat(ConfigFile.parse("nbd: {tls: off}", Path.of("n.yaml")).nbd().tls()).isEqualTo(TlsMode.OFF);
    assertThat(ConfigFile.parse("nbd: {tls: 'off'}", Path.of("n.yaml")).nbd().tls()).isEqualTo(TlsMode.OFF);
  }

  @Test
  void anEmptyFileSaysNothing() {
    assertThat(ConfigFile.parse("", Path.of("x.yaml"))).isEqualTo(NodeOptions.NONE);
    assertThat(ConfigFile.parse("# only a comment\n", Path.of("x.yaml"))).isEqualTo(NodeOptions.NONE);
    // Found by ConfigFileFuzzTest: an empty join entry (here an anchor with no value) failed with a
    // NullPointerException.
    assertThatThrownBy(() -> ConfigFile.parse("join: [&a , 127.0.0.1:7400]\n", Path.of("x.yaml")))
        .isInstanceOf(OperatorError.class).hasMessage("config file x.yaml: join has an empty entry");
    // Found by ConfigFileFuzzTest: a document that is only null failed with a NullPointerException.
    for (String nothing : new String[] {"~", "null\n", "!", "--- !\n"}) {
      assertThat(ConfigFile.parse(nothing, Path.of("x.yaml"))).as(nothing).isEqualTo(NodeOptions.NONE);
    }
  }

  @Test
  void aMissingFileIsNamed() {
    assertThatThrownBy(() -> ConfigFile.load(dir.resolve("nope.yaml")))
        .isInstanceOf(OperatorError.class)
        .hasMessage("config file " + dir.resolve("nope.yaml") + " does not exist");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      unknown key             | nbd-prot: 10809                       | line 1: unknown key 'nbd-prot' (known: admin, admin-port,
      port not a number       | iscsi-port: lots                      | line 1: 'iscsi-port': expected a whole number, got 'lots'
      volumes not a list      | volumes: vol0                         | line 1: 'volumes': expected a list
      list for a value        | 'data: [a, b]'                        | line 1: 'data': expected a single value
      compression not boolean | 'volumes: [{name: v, size: 1G, compression: maybe}]' | 'volumes[0].compression': expected true or false
      bad size                | 'volumes: [{name: v, size: 10Q}]'     | volumes[0] (v): invalid size '10Q'
      volume without size     | 'volumes: [{name: v}]'                | volumes[0]: needs both 'name' and 'size'
      unknown volume key      | 'volumes: [{name: v, size: 1G, sise: 2}]' | unknown key 'sise'
      broken yaml             | 'data: a: b'                          | not valid YAML
      unclosed bracket        | 'volumes: [{name: v'                  | not valid YAML
      a list at the top       | '- a'                                 | line 1:
      bad store capacity      | 'store: {capacity: lots}'             | store: invalid size 'lots'
      bad background rate     | 'store: {background-rate: fast}'      | store: invalid size 'fast'
      negative background rate | 'store: {background-rate: -5M}'       | store: invalid size '-5M'
      unknown store key       | 'store: {capacty: 1G}'                | unknown key 'capacty' (known: background-rate, capacity, io-threads, snippet-size)
      empty volume entry      | 'volumes: [~]'                        | volumes[0] is empty
      null join list          | 'join: ~'                             | NO-ERROR
      tab indentation         | 'data:\t\tx: y'                       | config file
      unknown iscsi key       | 'iscsi: {volume: {}}'                 | unknown key 'volume' (known: volumes)
      unknown chap key        | 'iscsi: {volumes: {v: {chap-usr: u}}}' | unknown key 'chap-usr' (known: allowed-initiators, chap-secret, chap-user, mutual-secret, mutual-user)
      chap user alone         | 'iscsi: {volumes: {v: {chap-user: u}}}' | iscsi.volumes.v: give both chap-user and chap-secret
      empty chap secret       | 'iscsi: {volumes: {v: {chap-user: u, chap-secret: ""}}}' | iscsi.volumes.v: CHAP user and secret must be non-empty
      mutual without chap     | 'iscsi: {volumes: {v: {mutual-user: t, mutual-secret: m}}}' | iscsi.volumes.v: mutual CHAP needs one-way CHAP too
      initiators not a list   | 'iscsi: {volumes: {v: {chap-user: u, chap-secret: s, allowed-initiators: {a: b}}}}' | 'iscsi.volumes.v.allowed-initiators': expected a list
      empty iscsi volume      | 'iscsi: {volumes: {v: ~}}'            | iscsi.volumes.v is empty
      bad tls mode            | 'nbd: {tls: always}'                  | nbd: tls must be off, allowed or required, not 'always'
      tls without certificate | 'nbd: {tls: required, key: k.pem}'    | nbd: tls required needs both 'certificate' and 'key'
      unreadable certificate  | 'nbd: {tls: allowed, certificate: /nonexistent/c.pem, key: /nonexistent/k.pem}' | nbd: certificate /nonexistent/c.pem is not a readable file
      unreadable ca           | 'nbd: {ca: /nonexistent/ca.pem}'      | nbd: ca /nonexistent/ca.pem is not a readable file
      unknown nbd key         | 'nbd: {cert: c.pem}'                  | unknown key 'cert' (known: ca, certificate, exports, key, tls)
      unknown export key      | 'nbd: {exports: {v: {readonly: true}}}' | unknown key 'readonly' (known: allowed-addresses, allowed-certificate-names, description, read-only)
      bad export address      | 'nbd: {exports: {v: {allowed-addresses: [10.0.0.0/99]}}}' | nbd.exports.v:
      read-only not boolean   | 'nbd: {exports: {v: {read-only: sometimes}}}' | 'nbd.exports.v.read-only': expected true or false
      empty address entry     | 'nbd: {exports: {v: {allowed-addresses: [""]}}}' | nbd.exports.v: allowed-addresses has an empty entry
      unknown cluster key     | 'cluster: {copies: 3}'                | unknown key 'copies' (known: alua, chap-key, defaults, relocation, replication, sites, tls)
      cluster tls without ca  | 'cluster: {tls: {certificate: c.pem, key: k.pem}}' | cluster.tls needs 'certificate', 'key' and 'ca'
      cluster tls unreadable  | 'cluster: {tls: {certificate: /nonexistent/c.pem, key: /nonexistent/k.pem, ca: /nonexistent/ca.pem}}' | cluster.tls: certificate /nonexistent/c.pem is not a readable file
      unknown cluster tls key | 'cluster: {tls: {cert: c.pem}}'       | unknown key 'cert' (known: ca, certificate, key)
      threshold above range   | 'cluster: {relocation: {capacity-threshold: 150%}}' | cluster.relocation.capacity-threshold: capacity threshold must be 1..99 percent (0 = never relocate), not 150
      threshold of 100        | 'cluster: {relocation: {capacity-threshold: 100}}' | cluster.relocation.capacity-threshold: capacity threshold must be 1..99 percent (0 = never relocate), not 100
      threshold negative      | 'cluster: {relocation: {capacity-threshold: -5%}}' | cluster.relocation.capacity-threshold: invalid percentage '-5%': expected a whole number like 80%
      threshold not a number  | 'cluster: {relocation: {capacity-threshold: most}}' | cluster.relocation.capacity-threshold: invalid percentage 'most'
      unknown relocation key  | 'cluster: {relocation: {iops: 5}}'    | unknown key 'iops' (known: capacity-threshold, iops-threshold, latency-p99-threshold, move-mode, rebalance-margin)
      iops not a number       | 'cluster: {relocation: {iops-threshold: many}}' | cluster.relocation.iops-threshold: invalid operations per second 'many': expected a whole number like 5000
      iops negative           | 'cluster: {relocation: {iops-threshold: -5}}' | cluster.relocation.iops-threshold: invalid operations per second '-5'
      latency above 60s       | 'cluster: {relocation: {latency-p99-threshold: 2m}}' | cluster.relocation.latency-p99-threshold: latency p99 threshold must be above 0 and at most 60s (0 = never relocate), not 120000ms
      latency without unit    | 'cluster: {relocation: {latency-p99-threshold: 20}}' | cluster.relocation.latency-p99-threshold: invalid duration '20'
      bad move mode           | 'cluster: {relocation: {move-mode: fast}}' | cluster.relocation.move-mode: invalid move mode 'fast': expected auto, sync or async
      margin above range      | 'cluster: {relocation: {rebalance-margin: 150%}}' | cluster.relocation.rebalance-margin: rebalance margin must be 0..100 percentage points of capacity (0 = only cluster rebalance), not 150.0
      margin not a number     | 'cluster: {relocation: {rebalance-margin: even}}' | cluster.relocation.rebalance-margin: invalid percentage 'even': expected a number like 10% or 0.5%
      bad alua other-sites    | 'cluster: {alua: {other-sites: asleep}}' | cluster.alua.other-sites: 'asleep' is not non-optimized or standby
      bad alua transitioning  | 'cluster: {alua: {transitioning: fail}}' | cluster.alua.transitioning: 'fail' is not wait or refuse
      unknown alua key        | 'cluster: {alua: {standby: true}}'    | unknown key 'standby' (known: other-sites, transitioning, transitions)
      bad alua transitions    | 'cluster: {alua: {transitions: both}}' | cluster.alua.transitions: 'both' is not implicit or explicit
      unknown defaults key    | 'cluster: {defaults: {copy: 3}}'      | unknown key 'copy' (known: copies, min-copies, mode, spread)
      copies not a number     | 'cluster: {defaults: {copies: three}}' | 'cluster.defaults.copies': expected a whole number, got 'three'
      zero copies             | 'cluster: {defaults: {copies: 0}}'    | cluster.defaults: copies must be 1-16, got 0
      too many copies         | 'cluster: {defaults: {copies: 17}}'   | cluster.defaults: copies must be 1-16, got 17
      min-copies above copies | 'cluster: {defaults: {copies: 2, min-copies: 3}}' | cluster.defaults: min-copies must be 1-2 (copies), got 3
      min-copies above default copies | 'cluster: {defaults: {min-copies: 4}}' | cluster.defaults: min-copies must be 1-3 (copies), got 4
      zero min-copies         | 'cluster: {defaults: {min-copies: 0}}' | cluster.defaults: min-copies must be 1-3 (copies), got 0
      bad spread              | 'cluster: {defaults: {spread: planet}}' | cluster.defaults: unknown spread level 'planet': expected host|rack|compartment|site
      bad mode                | 'cluster: {defaults: {mode: eventually}}' | cluster.defaults: unknown replication mode 'eventually': expected sync|async
      defaults not a mapping  | 'cluster: {defaults: [3]}'            | 'cluster.defaults': expected a mapping of keys to values
      unknown replication key | 'cluster: {replication: {max-lag-bytes: 1M}}' | unknown key 'max-lag-bytes' (known: ack-timeout, failover-delay, max-lag, rereplication-delay, resync-rate)
      bad max-lag             | 'cluster: {replication: {max-lag: lots}}' | cluster.replication.max-lag: invalid size 'lots'
      zero max-lag            | 'cluster: {replication: {max-lag: 0}}' | cluster.replication: max-lag must be positive
      negative resync rate    | 'cluster: {replication: {resync-rate: -1M}}' | cluster.replication.resync-rate: invalid size '-1M'
      ack-timeout no unit     | 'cluster: {replication: {ack-timeout: 30}}' | cluster.replication.ack-timeout: invalid duration '30': expected a number with ms, s, m or h
      zero ack-timeout        | 'cluster: {replication: {ack-timeout: 0}}' | cluster.replication: ack-timeout must be positive
      negative failover delay | 'cluster: {replication: {failover-delay: -3s}}' | cluster.replication.failover-delay: invalid duration '-3s'
      bad rereplication delay | 'cluster: {replication: {rereplication-delay: 5 minutes}}' | cluster.replication.rereplication-delay: invalid duration '5 minutes'
      huge failover delay     | 'cluster: {replication: {failover-delay: 9999999999999h}}' | cluster.replication.failover-delay: invalid duration
      unknown sites key       | 'cluster: {sites: {bound: 5ms}}' | unknown key 'bound' (known: auto-async-wait, auto-sync-lag, balloon-floor, link-faults, simulated-wan, sync-bound)
      sync-bound no unit      | 'cluster: {sites: {sync-bound: 5}}' | cluster.sites.sync-bound: invalid duration '5'
      zero sync-bound         | 'cluster: {sites: {sync-bound: 0}}' | cluster.sites: sync-bound must be positive
      bad auto-sync-lag       | 'cluster: {sites: {auto-sync-lag: some}}' | cluster.sites.auto-sync-lag: invalid size 'some'
      floor below 1M          | 'cluster: {sites: {balloon-floor: 100K}}' | cluster.sites: balloon-floor must be at least 1M
      wan delay too long      | 'cluster: {sites: {simulated-wan: {delay: 2s}}}' | cluster.sites.simulated-wan: simulated-wan delay must be 0..1s
      wan bad rate            | 'cluster: {sites: {simulated-wan: {delay: 10ms, rate: fast}}}' | cluster.sites.simulated-wan: invalid size 'fast'
      link-faults not boolean | 'cluster: {sites: {link-faults: maybe}}' | 'cluster.sites.link-faults': expected true or false
      wan unknown key         | 'cluster: {sites: {simulated-wan: {latency: 10ms}}}' | unknown key 'latency' (known: delay, rate)
      """)
  void malformedFilesGiveAClearErrorNamingTheFile(String what, String text, String expected) {
    Path origin = Path.of("/etc/snipblock/node.yaml");
    if (expected.equals("NO-ERROR")) {
      assertThat(ConfigFile.parse(text, origin).join()).isEmpty();
      return;
    }
    assertThatThrownBy(() -> ConfigFile.parse(text.replace("\\t", "\t"), origin))
        .as(what)
        .isInstanceOf(OperatorError.class)
        .hasMessageStartingWith("config file /etc/snipblock/node.yaml")
        .hasMessageContaining(expected)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
