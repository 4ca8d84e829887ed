package org.snipblock.block;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ConnectionFailureTest {
  private static final class BadPdu extends RuntimeException {}

  @Test
  void ioAndProtocolErrorsAnywhereInTheChainAreThePeers() {
    assertThat(ConnectionFailure.byPeer(new SocketException("reset"), BadPdu.class)).isTrue();
    assertThat(ConnectionFailure.byPeer(new RuntimeException("decoder", new BadPdu()), BadPdu.class)).isTrue();
    assertThat(ConnectionFailure.byPeer(new RuntimeException(new IOException("tls")), BadPdu.class)).isTrue();
  }

  @Test
  void anythingElseIsOurs() {
    assertThat(ConnectionFailure.byPeer(new NullPointerException(), BadPdu.class)).isFalse();
    assertThat(ConnectionFailure.byPeer(new RuntimeException("decoder", new IndexOutOfBoundsException()), BadPdu.class))
        .isFalse();
  }

  @Test
  void oursIsLoggedAsAnErrorThePeersAsAWarning() {
    try (LoggedErrors errors = new LoggedErrors()) {
      ConnectionFailure.log(LoggerFactory.getLogger("org.snipblock.test"), "conn 1", new SocketException("reset"));
      assertThat(errors.all()).isEmpty();
      ConnectionFailure.log(LoggerFactory.getLogger("org.snipblock.test"), "conn 2", new IllegalStateException("bug"));
      assertThat(errors.all()).containsExactly(
          "org.snipblock.test: conn 2: unexpected failure (java.lang.IllegalStateException: bug)");
    }
  }
}
