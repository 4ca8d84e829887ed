package org.snipblock.adapter.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;

/**
 * Turns one line QEMU sent into a {@link QmpMessage}. Anything that is not one of QMP's four message
 * shapes is refused with a {@link QmpException} that quotes the start of the line: a peer that sends
 * nonsense is not QEMU, or a QEMU we do not understand, and guessing would drive a VM wrongly.
 */
public final class QmpParser {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int QUOTE_CHARS = 120;

  private QmpParser() {}

  public static QmpMessage parse(String line) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw malformed(line, "not JSON");
    }
    if (node == null || !node.isObject()) {
      throw malformed(line, "not a JSON object");
    }
    if (node.has("QMP")) {
      return new QmpMessage.Greeting(object(node.get("QMP"), line, "QMP"));
    }
    if (node.has("return")) {
      return new QmpMessage.Reply(id(node), node.get("return"));
    }
    if (node.has("error")) {
      JsonNode error = object(node.get("error"), line, "error");
      return new QmpMessage.Failure(id(node), text(error, "class", line), text(error, "desc", line));
    }
    if (node.has("event")) {
      JsonNode data = node.has("data") ? object(node.get("data"), line, "data") : JsonNodeFactory.instance.objectNode();
      return new QmpMessage.Event(text(node, "event", line), data, timestamp(node.get("timestamp"), line));
    }
    throw malformed(line, "neither a greeting, a reply, an error nor an event");
  }

  /** QMP echoes whatever id a command carried; we send strings, and anything else matches nothing we sent. */
  private static String id(JsonNode node) {
    JsonNode id = node.get("id");
    return id == null || id.isNull() ? null : id.isTextual() ? id.textValue() : id.toString();
  }

  private static JsonNode object(JsonNode node, String line, String field) {
    if (node == null || !node.isObject()) {
      throw malformed(line, "\"" + field + "\" is not an object");
    }
    return node;
  }

  private static String text(JsonNode node, String field, String line) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw malformed(line, "\"" + field + "\" is missing or not a string");
    }
    return value.textValue();
  }

  private static Instant timestamp(JsonNode ts, String line) {
    if (ts == null) {
      return Instant.now();
    }
    JsonNode seconds = ts.get("seconds");
    JsonNode micros = ts.get("microseconds");
    if (!ts.isObject() || seconds == null || !seconds.canConvertToLong() || micros == null
        || !micros.canConvertToLong()) {
      throw malformed(line, "\"timestamp\" is not {seconds, microseconds}");
    }
    return Instant.ofEpochSecond(seconds.longValue(), micros.longValue() * 1000);
  }

  private static QmpException malformed(String line, String why) {
    String quoted = line.length() > QUOTE_CHARS ? line.substring(0, QUOTE_CHARS) + "..." : line;
    return new QmpException("malformed QMP message (" + why + "): " + quoted);
  }
}
