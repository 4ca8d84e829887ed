package org.snipblock.adapter.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** One message QEMU sends over QMP: the greeting, a command's result or error, or an asynchronous event. */
public sealed interface QmpMessage {
  /** The first line QEMU sends: its version and capabilities. */
  record Greeting(JsonNode qmp) implements QmpMessage {}

  /** A command's successful result; {@code id} is the id the command was sent with (null if none). */
  record Reply(String id, JsonNode result) implements QmpMessage {}

  /** A command's failure: QEMU's error class (e.g. GenericError) and its human description. */
  record Failure(String id, String errorClass, String description) implements QmpMessage {}

  /** An asynchronous event (STOP, RESUME, SHUTDOWN, MIGRATION...); {@code data} is an empty object if none. */
  record Event(String name, JsonNode data, Instant timestamp) implements QmpMessage {}
}
