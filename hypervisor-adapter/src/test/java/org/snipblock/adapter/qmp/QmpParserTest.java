package org.snipblock.adapter.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QmpParserTest {
  @Test
  void readsTheFourShapes() {
    assertThat(QmpParser.parse("{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}}, \"capabilities\": [\"oob\"]}}"))
        .isInstanceOfSatisfying(QmpMessage.Greeting.class,
            g -> assertThat(g.qmp().path("version").path("qemu").path("major").asInt()).isEqualTo(7));
    assertThat(QmpParser.parse("{\"return\": {\"status\": \"running\"}, \"id\": \"vm-3\"}"))
        .isInstanceOfSatisfying(QmpMessage.Reply.class, r -> {
          assertThat(r.id()).isEqualTo("vm-3");
          assertThat(r.result().path("status").asText()).isEqualTo("running");
        });
    assertThat(QmpParser.parse("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such device\"}, \"id\": 7}"))
        .isEqualTo(new QmpMessage.Failure("7", "GenericError", "no such device"));
    assertThat(QmpParser.parse("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 250}, \"event\": \"STOP\"}"))
        .isInstanceOfSatisfying(QmpMessage.Event.class, e -> {
          assertThat(e.name()).isEqualTo("STOP");
          assertThat(e.data().isObject()).isTrue();
          assertThat(e.timestamp()).isEqualTo(Instant.ofEpochSecond(1700000000, 250_000));
        });
    assertThat(QmpParser.parse("{\"event\": \"MIGRATION\", \"data\": {\"status\": \"completed\"}, "
        + "\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}"))
        .isInstanceOfSatisfying(QmpMessage.Event.class,
            e -> assertThat(e.data().path("status").asText()).isEqualTo("completed"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "not json",
      "{\"return\": ",
      "[1, 2]",
      "\"QMP\"",
      "{}",
      "{\"something\": 1}",
      "{\"QMP\": 3}",
      "{\"error\": \"broken\"}",
      "{\"error\": {\"desc\": \"no class\"}}",
      "{\"error\": {\"class\": \"GenericError\", \"desc\": 5}}",
      "{\"event\": 17}",
      "{\"event\": \"STOP\", \"data\": [1]}",
      "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": \"soon\", \"microseconds\": 0}}",
      "{\"event\": \"STOP\", \"timestamp\": 12}",
  })
  void refusesMalformedMessagesNamingThem(String line) {
    assertThatThrownBy(() -> QmpParser.parse(line))
        .isInstanceOf(QmpException.class)
        .hasMessageStartingWith("malformed QMP message (")
        .hasMessageContaining(line.length() > 20 ? line.substring(0, 20) : line);
  }

  @Test
  void quotesOnlyTheStartOfALongLine() {
    String line = "x".repeat(10_000);
    assertThatThrownBy(() -> QmpParser.parse(line))
        .isInstanceOf(QmpException.class)
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(250));
  }
}
