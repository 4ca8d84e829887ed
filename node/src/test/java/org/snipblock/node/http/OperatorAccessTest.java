package org.snipblock.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.config.AdminAuth;
import org.snipblock.node.config.ClusterOptions;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.config.StoreOptions;
import org.snipblock.node.config.VolumeDeclaration;
import org.snipblock.node.daemon.DataDir;
import org.snipblock.node.daemon.Node;
import org.snipblock.node.testing.MemoryVolumeManager;

/**
 * The HTTP port of a node with admin authentication, read with a plain HTTP client: the node's
 * state (/metrics, /api/state) only for an operator's admin token, the page's own files for anyone.
 */
class OperatorAccessTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final String OPERATOR = "op-0123456789abcdef";
  private static final String ACME = "acme-0123456789abcdef";

  @TempDir Path dir;
  private Node node;

  @BeforeEach
  void start() {
    MemoryVolumeManager volumes = new MemoryVolumeManager();
    AdminAuth auth = AdminAuth.of(List.of(new AdminAuth.Grant(OPERATOR, "operator"),
        new AdminAuth.Grant(ACME, "tenant:acme")));
    NodeConfig config = NodeConfig.resolve(new NodeOptions(dir, "127.0.0.1", 0, 0, 0,
        List.of(new VolumeDeclaration("v", 4 << 20, 0, 512, false)), "n1", "s1/c1/r1/h1", null, List.of(),
        StoreOptions.NONE, Map.of(), null, ClusterOptions.NONE, 0, auth, null));
    node = Node.start(config, DataDir.claim(dir), volumes, volumes);
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private HttpResponse<String> send(String method, String path, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.info().httpUrl() + path))
        .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theNodesStateNeedsAnOperatorsAdminToken() throws Exception {
    for (String path : List.of("/metrics", "/api/state")) {
      HttpResponse<String> none = send("GET", path, null);
      assertThat(none.statusCode()).as(path).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"snipblock\"");
      assertThat(none.body()).isEqualTo("this node requires an operator's admin token (Authorization: Bearer TOKEN)\n");
      assertThat(send("HEAD", path, null).statusCode()).isEqualTo(401);

      HttpResponse<String> wrong = send("GET", path, "Bearer wrong-0123456789abcdef");
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(wrong.body()).isEqualTo("the admin token is not valid on this node\n");
      assertThat(send("GET", path, OPERATOR).statusCode()).as("without the Bearer scheme").isEqualTo(401);
      assertThat(send("GET", path, "Basic " + java.util.Base64.getEncoder().encodeToString(("x:" + OPERATOR)
          .getBytes(java.nio.charset.StandardCharsets.UTF_8))).statusCode()).as("one way: Bearer").isEqualTo(401);

      HttpResponse<String> tenant = send("GET", path, "Bearer " + ACME);
      assertThat(tenant.statusCode()).isEqualTo(403);
      assertThat(tenant.headers().firstValue("WWW-Authenticate")).isEmpty();
      assertThat(tenant.body()).isEqualTo("tenant acme may not read " + path
          + ": it shows every tenant's volumes (operator only)\n");
    }
    HttpResponse<String> metrics = send("GET", "/metrics", "Bearer " + OPERATOR);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("snipblock_volume_info{mode=\"local\",primary=\"n1\",volume=\"v\"} 1");
    assertThat(send("GET", "/metrics", "bearer " + OPERATOR).statusCode()).as("scheme names are case-insensitive")
        .isEqualTo(200);
    HttpResponse<String> state = send("GET", "/api/state", "Bearer " + OPERATOR);
    assertThat(state.statusCode()).isEqualTo(200);
    assertThat(state.body()).contains("\"self\":\"n1\"");
  }

  @Test
  void thePagesOwnFilesHoldNoStateAndStayOpen() throws Exception {
    assertThat(send("GET", "/", null).body()).contains("id=\"login\"");
    assertThat(send("GET", "/dashboard.js", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/dashboard.css", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/nope", null).statusCode()).as("unknown paths stay 404").isEqualTo(404);
    assertThat(send("POST", "/metrics", null).statusCode()).as("and writes 405").isEqualTo(405);
  }
}
