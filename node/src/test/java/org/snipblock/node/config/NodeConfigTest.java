package org.snipblock.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snipblock.iscsi.ChapSecret;
import org.snipblock.iscsi.TargetAccess;
import org.snipblock.nbd.ExportPolicy;
import org.snipblock.nbd.TlsMode;
import org.snipblock.node.OperatorError;

class NodeConfigTest {
  private static final Path DATA = Path.of("/var/lib/snipblock");

  private static NodeOptions data(Path dir) {
    return new NodeOptions(dir, null, null, null, null, List.of(), null, null, null, List.of());
  }

  @Test
  void defaultsFillWhatNoSourceSays() {
    NodeConfig c = NodeConfig.resolve(data(DATA));
    assertThat(c.listen()).isEqualTo("127.0.0.1");
    assertThat(c.iscsiPort()).isEqualTo(3260);
    assertThat(c.nbdPort()).isEqualTo(10809);
    assertThat(c.adminPort()).isEqualTo(7070);
    assertThat(c.volumes()).isEmpty();
    assertThat(c.location()).isEqualTo("local/local/local/" + c.nodeId());
  }

  @Test
  void theFrontendsAreOpenAndPlainUnlessTheFileSaysOtherwise() {
    NodeConfig open = NodeConfig.resolve(data(DATA));
    assertThat(open.iscsiTarget().access().apply("web1")).isEqualTo(TargetAccess.OPEN);
    assertThat(open.nbdServer().tlsMode()).isEqualTo(TlsMode.OFF);
    assertThat(open.nbdServer().exportPolicies().forExport("web1")).isEqualTo(ExportPolicy.OPEN);

    NodeOptions file = ConfigFile.parse("""
        iscsi: {volumes: {web1: {chap-user: u, chap-secret: s}}}
        nbd: {exports: {web1: {read-only: true}}}
        """, Path.of("n.yaml"));
    NodeConfig secured = NodeConfig.resolve(file, data(DATA));
    assertThat(secured.iscsiTarget().access().apply("web1").chap()).isEqualTo(new ChapSecret("u", "s"));
    assertThat(secured.iscsiTarget().access().apply("web2")).isEqualTo(TargetAccess.OPEN);
    assertThat(secured.iscsiTarget().discoveryAccess()).isEqualTo(TargetAccess.OPEN);
    assertThat(secured.nbdServer().exportPolicies().forExport("web1").readOnly()).isTrue();
    assertThat(secured.nbdServer().exportPolicies().forExport("web2")).isEqualTo(ExportPolicy.OPEN);
  }

  @Test
  void laterSourcesOverrideEarlierOnes() {
    NodeOptions file = new NodeOptions(DATA, "127.0.0.2", 1, 2, 3,
        List.of(VolumeDeclaration.parse("a:1G"), VolumeDeclaration.parse("b:2G")), "n1", "s/c/r/h", null, List.of());
    NodeOptions flags = new NodeOptions(Path.of("/other"), null, 0, null, null,
        List.of(VolumeDeclaration.parse("b:3G")), null, null, null, List.of());
    NodeConfig c = NodeConfig.resolve(file, flags);
    assertThat(c.dataDir()).isEqualTo(Path.of("/other"));
    assertThat(c.listen()).isEqualTo("127.0.0.2");
    assertThat(c.iscsiPort()).isZero();
    assertThat(c.nbdPort()).isEqualTo(2);
    assertThat(c.adminPort()).isEqualTo(3);
    assertThat(c.nodeId()).isEqualTo("n1");
    assertThat(c.volumes()).extracting(VolumeDeclaration::name, VolumeDeclaration::size)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 1L << 30), org.assertj.core.groups.Tuple.tuple("b", 3L << 30));
  }

  @Test
  void theHttpPortIsOffUnlessASourceGivesIt() {
    assertThat(NodeConfig.resolve(data(DATA)).httpPort()).isEqualTo(NodeConfig.HTTP_OFF);
    NodeOptions file = ConfigFile.parse("http-port: 7080\n", Path.of("n.yaml"));
    assertThat(NodeConfig.resolve(data(DATA), file).httpPort()).isEqualTo(7080);
    assertThat(NodeConfig.resolve(data(DATA), file, data(DATA).withHttpPort(0)).httpPort()).isZero();
    assertThatThrownBy(() -> NodeConfig.resolve(data(DATA).withHttpPort(70000)))
        .isInstanceOf(OperatorError.class).hasMessage("invalid http-port 70000: must be 0..65535 (0 = any free port)");
    assertThatThrownBy(() -> NodeConfig.resolve(data(DATA).withHttpPort(7070)))
        .isInstanceOf(OperatorError.class).hasMessageContaining("port 7070 is given to two services");
  }

  @Test
  void refusesWhatCannotWork() {
    assertThatThrownBy(() -> NodeConfig.resolve(NodeOptions.NONE))
        .isInstanceOf(OperatorError.class).hasMessageContaining("--data DIR");
    assertThatThrownBy(() -> NodeConfig.resolve(new NodeOptions(DATA, null, 70000, null, null, List.of(), null, null, null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessage("invalid iscsi-port 70000: must be 0..65535 (0 = any free port)");
    assertThatThrownBy(() -> NodeConfig.resolve(new NodeOptions(DATA, null, 5000, 5000, null, List.of(), null, null, null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessageContaining("port 5000 is given to two services");
    assertThatThrownBy(() -> NodeConfig.resolve(new NodeOptions(DATA, null, null, null, null, List.of(), null, "a/b", null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessageContaining("expected site/compartment/rack/host");
    assertThatThrownBy(() -> NodeConfig.resolve(new NodeOptions(DATA, null, null, null, null, List.of(), "bad id!", null, null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("invalid node-id 'bad id!'");
    assertThatThrownBy(() -> NodeConfig.resolve(new NodeOptions(DATA, null, null, null, null,
        List.of(new VolumeDeclaration("v", 1 << 20, 0, 1024, false)), null, null, null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessage("volume 'v': block size must be 512 or 4096, not 1024");
    assertThatThrownBy(() -> NodeConfig.resolve(new NodeOptions(DATA, null, null, null, null,
        List.of(new VolumeDeclaration("v", 0, 0, 512, false)), null, null, null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessage("volume 'v': volume size must be a positive multiple of 4096 bytes, not 0");
    // The store's rules, checked before the node starts: a name every store would refuse never gets that far.
    assertThatThrownBy(() -> NodeConfig.resolve(new NodeOptions(DATA, null, null, null, null,
        List.of(new VolumeDeclaration("Web1", 1 << 20, 0, 512, false)), null, null, null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("volume 'Web1': invalid volume name 'Web1'");
    assertThatThrownBy(() -> NodeConfig.resolve(new NodeOptions(DATA, null, null, null, null,
        List.of(new VolumeDeclaration("v", 1 << 20, 3000, 512, false)), null, null, null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("volume 'v': snippet size must be a power of two");
    assertThatThrownBy(() -> NodeConfig.resolve(new NodeOptions(DATA, "no-such-host.invalid", null, null, null, List.of(), null, null, null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessageContaining("invalid listen address 'no-such-host.invalid'");
  }

  @Test
  void storeSettingsReachTheStoreConfigAndBadOnesAreRefused() {
    NodeOptions file = ConfigFile.parse("store: {capacity: 10G, snippet-size: 1M, io-threads: 3}", Path.of("n.yaml"));
    NodeConfig c = NodeConfig.resolve(file, data(DATA));
    assertThat(c.store().capacityBytes()).isEqualTo(10L << 30);
    assertThat(c.store().defaultSnippetSize()).isEqualTo(1 << 20);
    assertThat(c.store().ioThreads()).isEqualTo(3);
    assertThatThrownBy(() -> NodeConfig.resolve(ConfigFile.parse("store: {snippet-size: 3M}", Path.of("n.yaml")), data(DATA)))
        .isInstanceOf(OperatorError.class).hasMessageContaining("invalid store settings")
        .hasMessageContaining("power of two");
    assertThatThrownBy(() -> NodeConfig.resolve(ConfigFile.parse("store: {io-threads: 0}", Path.of("n.yaml")), data(DATA)))
        .isInstanceOf(OperatorError.class).hasMessageContaining("invalid store settings");
  }

  private static NodeOptions cluster(Integer port, String... join) {
    return new NodeOptions(DATA, "127.0.0.1", null, null, null, List.of(), "n1", "eu1/fc1/r1/h1", port, List.of(join));
  }

  @Test
  void aClusterPortMakesAClusterMemberWhoseJoinListDefaultsToItself() {
    assertThat(NodeConfig.resolve(data(DATA)).clustered()).isFalse();
    NodeConfig alone = NodeConfig.resolve(cluster(7400));
    assertThat(alone.clustered()).isTrue();
    assertThat(alone.cluster()).isEqualTo(new ClusterSettings(7400, List.of("127.0.0.1:7400")));
    NodeConfig three = NodeConfig.resolve(cluster(7400, "127.0.0.1:7400", "127.0.0.1:7401", " 127.0.0.1:7402",
        "127.0.0.1:7401"));
    assertThat(three.cluster().join()).containsExactly("127.0.0.1:7400", "127.0.0.1:7401", "127.0.0.1:7402");
    // Without itself: a node joining a running cluster through these members.
    assertThat(NodeConfig.resolve(cluster(7400, "127.0.0.1:7401")).cluster().join()).containsExactly("127.0.0.1:7401");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      join without port     |      | 127.0.0.1:7401       | given without cluster-port
      port zero             | 0    | ''                   | invalid cluster-port 0
      port too big          | 70000| ''                   | invalid cluster-port 70000
      entry without port    | 7400 | 127.0.0.1            | invalid join entry '127.0.0.1'
      entry with bad port   | 7400 | 127.0.0.1:99999      | invalid join entry '127.0.0.1:99999'
      entry not a host      | 7400 | 'a b:7400'           | invalid join entry 'a b:7400'
      empty entry           | 7400 | ' '                  | invalid join entry ' '
      """)
  void malformedClusterSettingsAreOneLineErrors(String what, Integer port, String join, String message) {
    assertThatThrownBy(() -> NodeConfig.resolve(cluster(port, join.isEmpty() ? new String[0] : new String[] {join})))
        .as(what).isInstanceOf(OperatorError.class).hasMessageContaining(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void aClusterMemberRefusesDeclaredVolumesAndSharedPorts() {
    assertThatThrownBy(() -> NodeConfig.resolve(cluster(7400), new NodeOptions(null, null, null, null, null,
        List.of(new VolumeDeclaration("v", 1 << 20, 0, 512, false)), null, null, null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessageContaining("are for standalone nodes");
    assertThatThrownBy(() -> NodeConfig.resolve(cluster(7400), new NodeOptions(null, null, null, 7400, null,
        List.of(), null, null, null, List.of())))
        .isInstanceOf(OperatorError.class).hasMessageContaining("port 7400 is given to two services");
  }

  @Test
  void volumeFlagNeedsNameAndSize() {
    assertThat(VolumeDeclaration.parse("vol0:10G")).isEqualTo(new VolumeDeclaration("vol0", 10L << 30, 0, 512, false));
    for (String bad : new String[] {"vol0", ":10G", "vol0:", "vol0:ten"}) {
      assertThatThrownBy(() -> VolumeDeclaration.parse(bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("invalid ");
    }
  }
}
