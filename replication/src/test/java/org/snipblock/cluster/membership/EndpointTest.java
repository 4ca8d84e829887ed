package org.snipblock.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.snipblock.cluster.ClusterConfig;
import org.snipblock.cluster.topology.Location;

class EndpointTest {

  @Test
  void parsesJoinListsKeepingOrderAndDroppingDuplicates() {
    assertThat(Endpoint.parseList("127.0.0.1:7800, node-b.lan:7801,127.0.0.1:7800"))
        .containsExactly(new Endpoint("127.0.0.1", 7800), new Endpoint("node-b.lan", 7801));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "host", "host:", ":7800", "host:0", "host:65536", "host:port", "a:1:2",
      "[::1]:7800", "ho st:7800", "host:7800,", ",host:7800"})
  void refusesMalformedAddresses(String text) {
    assertThatThrownBy(() -> Endpoint.parseList(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void configRefusesAnEmptyJoinListAndBadSettings() {
    Endpoint self = new Endpoint("127.0.0.1", 7800);
    assertThatThrownBy(() -> new ClusterConfig("n1", Location.parse("s/c/r/h"), self, List.of(), 0,
        Path.of("/tmp/x"), 0)).hasMessageContaining("the join list is empty");
    assertThatThrownBy(() -> new ClusterConfig("bad id", Location.parse("s/c/r/h"), self, List.of(self), 0,
        Path.of("/tmp/x"), 0)).hasMessageContaining("bad node id");
    assertThatThrownBy(() -> new ClusterConfig("n1", Location.parse("s/c/r/h"), self, List.of(self), 70000,
        Path.of("/tmp/x"), 0)).hasMessageContaining("replication port");
  }
}
