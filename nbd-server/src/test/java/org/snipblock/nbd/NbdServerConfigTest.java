package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryCatalog;

/** Configuration and export policies refuse bad values up front and admit exactly who they name. */
class NbdServerConfigTest {
  private static final NbdServerConfig PLAIN = NbdServerConfig.plain("127.0.0.1", 0);

  @Test
  void badConfigurationIsRefused() {
    assertThatThrownBy(() -> NbdServerConfig.plain("127.0.0.1", 70000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
    assertThatThrownBy(() -> PLAIN.withMaxRequestSize(4096))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRequestSize");
    assertThatThrownBy(() -> PLAIN.withMaxRequestSize(65536 + 512))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PLAIN.withTls(TlsMode.REQUIRED, null, null, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("certificate");
    assertThatThrownBy(() -> PLAIN.withInFlightLimits(0, 1L << 30))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PLAIN.withInFlightLimits(8, 1024))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlightBytes");
  }

  @Test
  void unreadableTlsFilesFailAtConstruction() {
    NbdServerConfig tls = PLAIN.withTls(TlsMode.ALLOWED, Path.of("/nonexistent/cert.pem"),
        Path.of("/nonexistent/key.pem"), null);
    assertThatThrownBy(() -> new NbdServer(tls, new MemoryCatalog()).close())
        .isInstanceOf(RuntimeException.class);
  }

  @Test
  void badAllowListEntriesAreRefused() {
    for (String bad : List.of("example.com", "10.0.0.0/33", "10.0.0.0/x", "::1/129", "", "1.2.3")) {
      assertThatThrownBy(() -> ExportPolicy.OPEN.withAllowedAddresses(List.of(bad)))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void allowListsAdmitExactlyWhoTheyName() {
    InetSocketAddress local = new InetSocketAddress("127.0.0.1", 5000);
    InetSocketAddress lan = new InetSocketAddress("10.1.2.3", 5000);
    InetSocketAddress v6 = new InetSocketAddress("fd00::1", 5000);
    ExportPolicy nets = ExportPolicy.OPEN.withAllowedAddresses(List.of("10.0.0.0/8", "fd00::/8"));
    assertThat(nets.admits(lan, List.of())).isTrue();
    assertThat(nets.admits(v6, List.of())).isTrue();
    assertThat(nets.admits(local, List.of())).isFalse();
    assertThat(nets.admits(null, List.of())).isFalse();

    ExportPolicy names = ExportPolicy.OPEN.withAllowedCertificateNames(List.of("alice"));
    assertThat(names.admits(local, List.of("alice"))).isTrue();
    assertThat(names.admits(local, List.of("mallory"))).isFalse();
    assertThat(names.admits(local, List.of())).isFalse();

    ExportPolicy both = nets.withAllowedCertificateNames(List.of("alice"));
    assertThat(both.admits(lan, List.of("alice"))).isTrue();
    assertThat(both.admits(local, List.of("alice"))).isFalse();
    assertThat(both.admits(lan, List.of())).isFalse();

    assertThat(ExportPolicy.OPEN.admits(null, List.of())).isTrue();
  }
}
