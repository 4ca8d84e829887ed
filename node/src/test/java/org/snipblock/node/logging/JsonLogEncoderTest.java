package org.snipblock.node.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLogEncoderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void anEventWithAVolumeAndAnExceptionIsOneParsableLine() throws Exception {
    LoggerContext context = new LoggerContext();
    LoggingEvent event = new LoggingEvent("x", context.getLogger("org.snipblock.cluster.Caretaker"), Level.WARN,
        "volume {}: copy on {} failed\nsecond line \"quoted\"", new IllegalStateException("disk gone"),
        new Object[] {"web1", "n2"});
    event.setMDCPropertyMap(Map.of("volume", "web1", "node", "not-this-one"));
    String out = new String(new JsonLogEncoder("n1").encode(event), StandardCharsets.UTF_8);

    assertThat(out).endsWith("\n");
    assertThat(out.strip().lines()).hasSize(1);
    JsonNode line = JSON.readTree(out);
    assertThat(line.get("level").asText()).isEqualTo("WARN");
    assertThat(line.get("logger").asText()).isEqualTo("org.snipblock.cluster.Caretaker");
    assertThat(line.get("node").asText()).as("the daemon's node id wins over the MDC").isEqualTo("n1");
    assertThat(line.get("volume").asText()).isEqualTo("web1");
    assertThat(line.get("message").asText()).isEqualTo("volume web1: copy on n2 failed\nsecond line \"quoted\"");
    assertThat(line.get("exception").asText()).startsWith("java.lang.IllegalStateException: disk gone")
        .contains("\tat ");
    assertThat(line.get("time").asText()).endsWith("Z");
  }

  @Test
  void onlyTextAndJsonAreFormats() {
    assertThat(LogFormat.parse(" JSON ")).isEqualTo(LogFormat.JSON);
    assertThat(LogFormat.parse("text")).isEqualTo(LogFormat.TEXT);
    assertThatThrownBy(() -> LogFormat.parse("yaml")).hasMessage("invalid log format 'yaml': expected text or json");
    assertThatThrownBy(() -> LogFormat.parse("")).hasMessage("invalid log format '': expected text or json");
  }
}
