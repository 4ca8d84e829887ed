package org.snipblock.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.config.VolumeDeclaration;
import org.snipblock.node.daemon.DataDir;
import org.snipblock.node.daemon.Node;
import org.snipblock.node.testing.MemoryVolumeManager;
import org.snipblock.node.testing.Tools;

/**
 * The HTTP port of a standalone node: /metrics as a scraper reads it after real NBD I/O (qemu-io),
 * the dashboard's files and JSON, and what a wrong request gets.
 */
class HttpEndpointTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir Path dir;
  private Node node;

  @BeforeEach
  void start() {
    MemoryVolumeManager volumes = new MemoryVolumeManager();
    NodeConfig config = NodeConfig.resolve(new NodeOptions(dir, "127.0.0.1", 0, 0, 0,
        List.of(new VolumeDeclaration("v", 4 << 20, 0, 512, false)), "n1", "s1/c1/r1/h1", null, List.of())
        .withHttpPort(0));
    node = Node.start(config, DataDir.claim(dir), volumes, volumes);
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(node.info().httpUrl() + path))
        .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody()).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metricsCountTheIoOfARealClientByOperationAndDoorWithLatencyBuckets() throws Exception {
    Tools.require("qemu-io");
    assertThat(node.info().httpPort()).isPositive();
    String nbd = "nbd://127.0.0.1:" + node.info().nbdPort() + "/v";
    Tools.run(60, "qemu-io", "-f", "raw", "-c", "write -P 0x11 0 64k", "-c", "read -P 0x11 0 64k",
        "-c", "flush", "-c", "discard 64k 64k", nbd).ok();

    HttpResponse<String> r = send("GET", "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(HttpEndpoint.PROMETHEUS_TYPE);
    String m = r.body();
    assertThat(m).contains("snipblock_volume_io_seconds_count{door=\"nbd\",op=\"write\",volume=\"v\"} 1")
        .contains("snipblock_volume_io_seconds_count{door=\"nbd\",op=\"read\",volume=\"v\"}")
        .contains("snipblock_volume_io_seconds_count{door=\"nbd\",op=\"flush\",volume=\"v\"}")
        .contains("snipblock_volume_io_seconds_count{door=\"nbd\",op=\"trim\",volume=\"v\"} 1")
        .contains("snipblock_volume_io_bytes_sum{door=\"nbd\",op=\"write\",volume=\"v\"} 65536.0")
        .contains("snipblock_volume_io_seconds_bucket{door=\"nbd\",op=\"write\",volume=\"v\",le=\"5.0\"} 1")
        .contains("snipblock_volume_info{mode=\"local\",primary=\"n1\",volume=\"v\"} 1")
        .contains("snipblock_node_up{node=\"n1\"} 1")
        .contains("snipblock_node_capacity_bytes{node=\"n1\"}")
        .contains("snipblock_cluster_in_majority 1")
        .contains("jvm_memory_used_bytes")
        .contains("process_uptime_seconds");
    assertThat(m).as("no per-request or per-initiator label").doesNotContain("initiator=").doesNotContain("client=");
  }

  @Test
  void servesTheDashboardAndItsJson() throws Exception {
    HttpResponse<String> page = send("GET", "/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body()).contains("<script src=\"dashboard.js\">");
    assertThat(send("GET", "/dashboard.js").body()).contains("api/state");
    assertThat(send("GET", "/dashboard.css").statusCode()).isEqualTo(200);

    HttpResponse<String> state = send("GET", "/api/state");
    assertThat(state.headers().firstValue("Content-Type")).hasValue("application/json");
    var json = org.snipblock.node.testing.ProcessCluster.json(state.body());
    assertThat(json.at("/cluster/self").asText()).isEqualTo("n1");
    assertThat(json.at("/cluster/nodes/0/location").asText()).isEqualTo("s1/c1/r1/h1");
    assertThat(json.at("/cluster/nodes/0/state").asText()).isEqualTo("UP");
    assertThat(json.at("/volumes/0/name").asText()).isEqualTo("v");
    assertThat(json.at("/volumes/0/primary").asText()).isEqualTo("n1");

    HttpResponse<String> head = send("HEAD", "/metrics");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
  }

  @Test
  void unknownPathsAre404AndWritesAre405() throws Exception {
    HttpResponse<String> missing = send("GET", "/nope");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).startsWith("not found: /nope").contains("/metrics");
    assertThat(send("GET", "/metrics/extra").statusCode()).isEqualTo(404);
    assertThat(send("GET", "/../etc/passwd").statusCode()).isEqualTo(404);

    for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
      HttpResponse<String> r = send(method, "/metrics");
      assertThat(r.statusCode()).as(method).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
    assertThat(send("DELETE", "/nope").statusCode()).as("unknown path first").isEqualTo(404);
  }

  @Test
  void aMalformedRequestIsRefusedAndTheEndpointServesOn() throws Exception {
    try (Socket s = new Socket("127.0.0.1", node.info().httpPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write("NOT A REQUEST\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      // Refused: 400 from JDK 17.0.21's server, 404 ("No context found") from 17.0.15's.
      assertThat(answer).matches("(?s)HTTP/1\\.1 4(00|04) .*");
    }
    assertThat(send("GET", "/metrics").statusCode()).isEqualTo(200);
  }
}
