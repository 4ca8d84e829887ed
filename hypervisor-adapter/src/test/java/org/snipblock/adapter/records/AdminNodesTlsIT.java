package org.snipblock.adapter.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.admin.v1.Volume;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.tls.CertificateAuthority;

/** The adapter's admin connections to a node whose admin.tls asks for client certificates, from the CLI's variables. */
class AdminNodesTlsIT {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void theAdapterSpeaksTlsWithItsClientCertificate() throws Exception {
    Path certs = Files.createDirectories(tmp.resolve("certs"));
    CertificateAuthority ca = CertificateAuthority.create("test CA", 1);
    ca.writeTo(certs);
    ca.issue(certs, "n1", List.of("n1", "localhost"), List.of("127.0.0.1"), 1);
    ca.issue(certs, "adapter", List.of("adapter"), List.of(), 1);
    Path config = Files.writeString(tmp.resolve("node.yaml"), "admin:\n  tls: {certificate: certs/n1.pem, key: "
        + "certs/n1.key, client-ca: certs/ca.pem}\n");
    try (DaemonProcess node = DaemonProcess.serve(tmp.resolve("data"), "--config", config.toString()).start()) {
      List<String> target = List.of(node.info().adminAddress());
      Map<String, String> env = Map.of("SNIPBLOCK_CA", certs.resolve("ca.pem").toString(),
          "SNIPBLOCK_TLS_CERT", certs.resolve("adapter.pem").toString(),
          "SNIPBLOCK_TLS_KEY", certs.resolve("adapter.key").toString());
      try (AdminNodes nodes = new AdminNodes(target, env::get)) {
        nodes.call(c -> c.create("v", 64 << 20, 0, 0, false));
        List<Volume> listed = nodes.call(c -> c.list());   // typed first: assertThat(lambda result) is ambiguous
        assertThat(listed).extracting(Volume::getName).contains("v");
      }
      for (Map<String, String> without : List.of(Map.<String, String>of(),
          Map.of("SNIPBLOCK_CA", certs.resolve("ca.pem").toString()))) {
        try (AdminNodes nodes = new AdminNodes(target, without::get)) {
          assertThatThrownBy(() -> nodes.call(c -> c.list())).as("without %s", without)
              .isInstanceOf(StatusRuntimeException.class)
              .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
                  .isEqualTo(Status.Code.UNAVAILABLE));
        }
      }
    }
  }
}
