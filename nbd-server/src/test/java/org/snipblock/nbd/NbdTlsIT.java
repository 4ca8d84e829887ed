package org.snipblock.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;

/** TLS (STARTTLS with x509) through nbdinfo, required TLS, and allow-lists by certificate and address. */
class NbdTlsIT {
  private static final Duration T = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static TestPki pki;
  private static Path alice;
  private static Path mallory;

  @BeforeAll
  static void pki() throws Exception {
    Tools.require("nbdinfo");
    pki = new TestPki(dir);
    alice = pki.clientDirectory(dir.resolve("alice"), "alice");
    mallory = pki.clientDirectory(dir.resolve("mallory"), "mallory");
  }

  private static MemoryCatalog catalog() {
    return new MemoryCatalog()
        .add(new MemoryBlockDevice("vol", 8L << 20, 512, false))
        .add(new MemoryBlockDevice("alice-only", 8L << 20, 512, false))
        .add(new MemoryBlockDevice("elsewhere", 8L << 20, 512, false))
        .add(new MemoryBlockDevice("local", 8L << 20, 512, false));
  }

  private static NbdServerConfig config(TlsMode mode) {
    ExportPolicies policies = ExportPolicies.of(Map.of(
        "alice-only", ExportPolicy.OPEN.withAllowedCertificateNames(List.of("alice")),
        "elsewhere", ExportPolicy.OPEN.withAllowedAddresses(List.of("10.0.0.0/8", "fd00::/8")),
        "local", ExportPolicy.OPEN.withAllowedAddresses(List.of("127.0.0.0/8"))), ExportPolicy.OPEN);
    return NbdServerConfig.plain("127.0.0.1", 0)
        .withTls(mode, pki.serverCert, pki.serverKey, pki.caFile)
        .withExportPolicies(policies);
  }

  /**
   * With libnbd's debug log, which shows the server's error message (libnbd 1.14 reports every
   * option error as ENOTSUP; the reply codes themselves are checked in HandshakeTest).
   */
  private static Tools.Result debugRun(String... command) {
    return Tools.run(T, Map.of("LIBNBD_DEBUG", "1"), List.of(command));
  }

  private static String tlsUri(RunningServer s, String export, Path certs) {
    return "nbds://127.0.0.1:" + s.port + "/" + export + "?tls-certificates=" + certs;
  }

  @Test
  void nbdinfoOverTlsAndPlainWhenTlsIsAllowed() throws Exception {
    try (RunningServer s = new RunningServer(config(TlsMode.ALLOWED), catalog())) {
      JsonNode info = JSON.readTree(Tools.run(T, "nbdinfo", "--json", tlsUri(s, "vol", alice)).ok().out());
      assertThat(info.get("TLS").asBoolean()).isTrue();
      assertThat(info.get("exports").get(0).get("export-size").asLong()).isEqualTo(8L << 20);
      JsonNode plain = JSON.readTree(Tools.run(T, "nbdinfo", "--json", s.uri("vol")).ok().out());
      assertThat(plain.get("TLS").asBoolean()).isFalse();
    }
  }

  @Test
  void requiredTlsRefusesPlaintext() {
    try (RunningServer s = new RunningServer(config(TlsMode.REQUIRED), catalog())) {
      Tools.Result plain = debugRun("nbdinfo", s.uri("vol"));
      assertThat(plain.exit()).isNotZero();
      assertThat(plain.err()).contains("server error message: TLS is required");
      Tools.run(T, "nbdinfo", tlsUri(s, "vol", alice)).ok();
      // The listing, too, is only given over TLS.
      assertThat(Tools.run(T, "nbdinfo", "--list", "nbd://127.0.0.1:" + s.port).exit()).isNotZero();
      Tools.run(T, "nbdinfo", "--list", "nbds://127.0.0.1:" + s.port + "?tls-certificates=" + alice).ok();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void certificateAllowListAdmitsOnlyTheNamedClient() throws Exception {
    try (RunningServer s = new RunningServer(config(TlsMode.ALLOWED), catalog())) {
      Tools.run(T, "nbdinfo", tlsUri(s, "alice-only", alice)).ok();
      Tools.Result refused = debugRun("nbdinfo", tlsUri(s, "alice-only", mallory));
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.err()).contains("server error message: access to export");
      assertThat(Tools.run(T, "nbdinfo", s.uri("alice-only")).exit()).isNotZero();
      // The listing a refused client gets leaves out what it may not open.
      String list = Tools.run(T, "nbdinfo", "--list", "nbds://127.0.0.1:" + s.port
          + "?tls-certificates=" + mallory).ok().out();
      assertThat(list).contains("export=\"vol\"").doesNotContain("alice-only");
    }
  }

  @Test
  void clientCertificateFromAnotherCaIsRefused() throws Exception {
    Path strangers = new TestPki(dir.resolve("other-ca"), false).clientDirectory(dir.resolve("stranger"), "alice");
    // The stranger trusts our server's CA but presents a certificate our CA never issued.
    java.nio.file.Files.copy(pki.caFile, strangers.resolve("ca-cert.pem"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (RunningServer s = new RunningServer(config(TlsMode.REQUIRED), catalog())) {
      assertThat(Tools.run(T, "nbdinfo", tlsUri(s, "vol", strangers)).exit()).isNotZero();
      Tools.run(T, "nbdinfo", tlsUri(s, "vol", alice)).ok();
    }
  }

  @Test
  void addressAllowListRefusesOtherNetworks() throws Exception {
    try (RunningServer s = new RunningServer(config(TlsMode.OFF).withTls(TlsMode.OFF, null, null, null), catalog())) {
      Tools.Result refused = debugRun("nbdinfo", s.uri("elsewhere"));
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.err()).contains("server error message: access to export");
      Tools.run(T, "nbdinfo", s.uri("local")).ok();
      // Without TLS configured, STARTTLS is refused and a TLS-only client gives up.
      assertThat(Tools.run(T, "nbdinfo", tlsUri(s, "vol", alice)).exit()).isNotZero();
    }
  }

  /**
   * Fencing a client whose certificate name is revoked while it is connected: the policy changes
   * live, closeRefused ends its connection (the requests it had sent finish first), its next write
   * fails, it cannot connect again, and a client still allowed is not disturbed.
   */
  @Test
  void aRevokedCertificateNameLosesItsConnectionAndCannotComeBack() throws Exception {
    Tools.require("nbdsh");
    AtomicReference<ExportPolicy> vol = new AtomicReference<>(
        ExportPolicy.OPEN.restrictedToCertificateNames(List.of("alice", "mallory")));
    NbdServerConfig config = config(TlsMode.ALLOWED)
        .withExportPolicies(name -> name.equals("vol") ? vol.get() : ExportPolicy.OPEN);
    try (RunningServer s = new RunningServer(config, catalog())) {
      Process alice = Tools.builder(List.of("nbdsh", "-c", connect(tlsUri(s, "vol", NbdTlsIT.alice)) + """
          import sys
          h.pwrite(b"\\xaa" * 4096, 0)
          print("written", flush=True)
          sys.stdin.readline()
          try:
              h.pwrite(b"\\xbb" * 4096, 0)
              print("wrote after the revoke", flush=True)
          except nbd.Error as e:
              print("refused:", e, flush=True)
          """)).redirectErrorStream(true).start();
      try {
        LinkedBlockingQueue<String> lines = lines(alice);
        assertThat(lines.poll(T.toSeconds(), TimeUnit.SECONDS)).isEqualTo("written");
        ExportPolicy before = vol.get();
        vol.set(before.restrictedToCertificateNames(List.of("mallory")));
        assertThat(s.server.closeRefused().get(T.toSeconds(), TimeUnit.SECONDS)).as("alice's connection closed")
            .isEqualTo(1);
        alice.getOutputStream().write('\n');
        alice.getOutputStream().flush();
        assertThat(lines.poll(T.toSeconds(), TimeUnit.SECONDS)).startsWith("refused:");
        assertThat(alice.waitFor(T.toSeconds(), TimeUnit.SECONDS)).isTrue();
      } finally {
        alice.destroyForcibly();
      }
      Tools.Result again = debugRun("nbdinfo", tlsUri(s, "vol", NbdTlsIT.alice));
      assertThat(again.exit()).isNotZero();
      assertThat(again.err()).contains("server error message: access to export");
      assertThat(s.server.closeRefused().get(T.toSeconds(), TimeUnit.SECONDS)).as("nothing else to close").isZero();
      Tools.run(T, Map.of(), List.of("nbdsh", "-c", connect(tlsUri(s, "vol", mallory))
          + "assert h.pread(4096, 0) == b\"\\xaa\" * 4096\n")).ok();
      vol.set(ExportPolicy.OPEN.restrictedToCertificateNames(List.of()));
      assertThat(debugRun("nbdinfo", tlsUri(s, "vol", mallory)).exit()).as("an empty restricted list admits nobody")
          .isNotZero();
    }
  }

  /** nbdsh lines connecting {@code h}: a URI naming certificate files must be allowed to. */
  private static String connect(String uri) {
    return "h.set_uri_allow_local_file(True)\nh.connect_uri(\"" + uri + "\")\n";
  }

  private static LinkedBlockingQueue<String> lines(Process p) {
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread pump = new Thread(() -> {
      try (java.io.BufferedReader in = p.inputReader()) {
        in.lines().forEach(lines::add);
      } catch (java.io.IOException | java.io.UncheckedIOException e) {
        lines.add("(unreadable: " + e + ")");
      }
    }, "nbdsh-output");
    pump.setDaemon(true);
    pump.start();
    return lines;
  }
}
