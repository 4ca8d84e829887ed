package org.snipblock.node.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.OperatorError;

/** The adapter's way to the CLI's TLS settings: the same environment variables, each bad one a line. */
class ClientTlsTest {
  @TempDir Path dir;

  private static ClientTls from(Map<String, String> env) {
    return ClientTls.fromEnvironment(env::get);
  }

  @Test
  void theVariablesTheCliReads() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
    Path cert = Files.writeString(dir.resolve("ops.pem"), "x");
    Path key = Files.writeString(dir.resolve("ops.key"), "x");
    assertThat(from(Map.of())).isNull();
    assertThat(from(Map.of("SNIPBLOCK_CA", ""))).isNull();
    assertThat(from(Map.of("SNIPBLOCK_CA", ca.toString()))).isEqualTo(new ClientTls(ca, null, null));
    assertThat(from(Map.of("SNIPBLOCK_CA", ca.toString(), "SNIPBLOCK_TLS_CERT", cert.toString(),
        "SNIPBLOCK_TLS_KEY", key.toString()))).isEqualTo(new ClientTls(ca, cert, key));

    Map<String, String> noKey = new HashMap<>(Map.of("SNIPBLOCK_CA", ca.toString(), "SNIPBLOCK_TLS_CERT", cert.toString()));
    assertThatThrownBy(() -> from(noKey)).isInstanceOf(OperatorError.class)
        .hasMessage("SNIPBLOCK_TLS_CERT and SNIPBLOCK_TLS_KEY go together (a client certificate and its key)");
    assertThatThrownBy(() -> from(Map.of("SNIPBLOCK_TLS_CERT", cert.toString(), "SNIPBLOCK_TLS_KEY", key.toString())))
        .isInstanceOf(OperatorError.class).hasMessageStartingWith("SNIPBLOCK_TLS_CERT and SNIPBLOCK_TLS_KEY need SNIPBLOCK_CA");
    assertThatThrownBy(() -> from(Map.of("SNIPBLOCK_CA", dir.toString()))).isInstanceOf(OperatorError.class)
        .hasMessage("SNIPBLOCK_CA=" + dir + " is not a readable file");
    assertThatThrownBy(() -> from(Map.of("SNIPBLOCK_CA", ca.toString(), "SNIPBLOCK_TLS_KEY", dir.resolve("no").toString())))
        .hasMessage("SNIPBLOCK_TLS_KEY=" + dir.resolve("no") + " is not a readable file");
  }
}
