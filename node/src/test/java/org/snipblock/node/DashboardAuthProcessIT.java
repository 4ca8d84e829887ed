package org.snipblock.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.node.testing.DaemonProcess;
import org.snipblock.node.testing.DashboardBrowser;
import org.snipblock.node.testing.Tools;

/**
 * A daemon with admin authentication: its dashboard and /metrics take the admin API's tokens. curl
 * without a token or with a tenant's is refused; Prometheus' way (an operator's token as a bearer
 * token) scrapes. In headless Chromium the page asks for a token, says why a wrong one or a
 * tenant's does not do, and with the operator's shows the node and its volume, also after a reload.
 */
class DashboardAuthProcessIT {
  private static final String OPERATOR = "op-0123456789abcdef";
  private static final String ACME = "acme-0123456789abcdef";

  @TempDir Path tmp;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void theDashboardAndMetricsTakeTheAdminApisTokens() throws Exception {
    Tools.require("curl");
    Path config = Files.writeString(tmp.resolve("node.yaml"), """
        http-port: 0
        admin:
          auth:
            tokens:
              - {token: %s, role: operator}
              - {token: %s, role: "tenant:acme"}
        """.formatted(OPERATOR, ACME));
    try (DashboardBrowser browser = DashboardBrowser.start();
        DaemonProcess node = DaemonProcess.serve(tmp.resolve("data"), "--config", config.toString()).start()) {
      node.cli("volume", "create", "web1", "64M", "--token", OPERATOR);
      String url = node.info().httpUrl();

      assertThat(curl(url + "/metrics")).startsWith("401 ")
          .contains("this node requires an operator's admin token (Authorization: Bearer TOKEN)");
      assertThat(curl(url + "/api/state", "-H", "Authorization: Bearer " + ACME)).startsWith("403 ")
          .contains("tenant acme may not read /api/state");
      assertThat(curl(url + "/metrics", "-H", "Authorization: Bearer " + OPERATOR)).startsWith("200 ")
          .contains("snipblock_volume_info{mode=\"local\"");
      assertThat(curl(url + "/")).as("the page itself holds no state").startsWith("200 ");

      browser.open(url + "/");
      browser.shown("the token form", "#login:not([hidden])", 1);
      assertThat(browser.texts(".node")).isEmpty();
      browser.submit("#token", "wrong-0123456789abcdef", "#sign-in");
      browser.reads("why the wrong token does not do", "#login-error", "the admin token is not valid on this node");
      browser.submit("#token", ACME, "#sign-in");
      browser.reads("why a tenant's token does not do", "#login-error",
          "tenant acme may not read /api/state: it shows every tenant's volumes (operator only)");
      assertThat(browser.texts("tr[data-volume]")).isEmpty();
      browser.screenshot("dashboard-token.png");

      browser.submit("#token", OPERATOR, "#sign-in");
      browser.shown("the node UP", ".node[data-state=UP]", 1);
      browser.shown("volume web1", "tr[data-volume=web1]", 1);
      browser.shown("no token form", "#login:not([hidden])", 0);
      browser.screenshot("dashboard-signed-in.png");
      browser.reload();
      browser.shown("the node again after a reload, the token kept in the tab", "tr[data-volume=web1]", 1);
      assertThat(browser.texts("#login:not([hidden])")).isEmpty();

      assertThat(node.log()).contains("refused HTTP GET /metrics from /127.0.0.1")
          .contains("refused HTTP GET /api/state from /127.0.0.1")
          .doesNotContain(OPERATOR).doesNotContain(ACME).doesNotContain("wrong-0123456789abcdef");
    }
  }

  /** curl's status code, a space and the body. */
  private static String curl(String url, String... headers) {
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("curl", "-sS", "-w", "\n%{http_code}"));
    cmd.addAll(java.util.List.of(headers));
    cmd.add(url);
    String out = Tools.run(60, cmd.toArray(String[]::new)).ok().output();
    // -w writes after the body: move the status to the front
    int last = out.lastIndexOf('\n');
    return out.substring(last + 1) + " " + out.substring(0, last);
  }
}
