package org.snipblock.node.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import org.snipblock.node.OperatorError;

/**
 * The closed hours, one JSON record a line, appended hour by hour and fsynced ({@value #FILE} in the
 * data directory). An hour's records go in one write; a crash in the middle of it leaves a torn
 * last line, and then the whole hour is cut off again: the open-hour file still holds all of it
 * ({@link UsageHours}), and it is appended anew.
 */
final class UsageLog {
  static final String FILE = "usage-hours.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private long lastHour;

  private UsageLog(Path file, long lastHour) {
    this.file = file;
    this.lastHour = lastHour;
  }

  /**
   * Opens the log, cutting off a torn last hour: the records of {@code openHour} (the hour the
   * open-hour file holds, whose append was under way) and the torn line.
   *
   * @throws OperatorError naming the file and line of a record that is not one (the node does not start:
   *     billing from a log it cannot read would be wrong either way)
   */
  static UsageLog open(Path dataDir, long openHour) {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      return new UsageLog(file, -1);
    }
    try {
      byte[] bytes = Files.readAllBytes(file);
      int end = bytes.length;
      while (end > 0 && bytes[end - 1] != '\n') {
        end--;
      }
      boolean torn = end < bytes.length;
      long lastHour = -1;
      int lastHourStart = 0;
      int lineStart = 0;
      int line = 0;
      for (int i = 0; i < end; i++) {
        if (bytes[i] == '\n') {
          line++;
          UsageRecord r = parse(file, line, new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8));
          if (r.hour() != lastHour) {
            lastHour = r.hour();
            lastHourStart = lineStart;
          }
          lineStart = i + 1;
        }
      }
      if (torn) {
        // The hour being appended did not get all its records down: drop it, the open-hour file re-appends it.
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
          ch.truncate(lastHour == openHour ? lastHourStart : end);
          ch.force(true);
        }
        return open(dataDir, openHour);
      }
      return new UsageLog(file, lastHour);
    } catch (IOException e) {
      throw new OperatorError("cannot read the usage log " + file + ": " + e.getMessage(), e);
    }
  }

  private static UsageRecord parse(Path file, int line, String text) {
    try {
      UsageRecord r = JSON.readValue(text, UsageRecord.class);
      if (r == null || !r.valid()) {
        throw new IOException("not a usage record");
      }
      return r;
    } catch (IOException e) {
      throw new OperatorError("cannot read the usage log " + file + ": line " + line + " is not a usage record"
          + " (move the file away to start the hourly log anew)", e);
    }
  }

  /** The last hour the log holds; -1 for none. */
  long lastHour() {
    return lastHour;
  }

  /** Appends one hour's records in one write, then fsyncs. */
  void append(long hour, List<UsageRecord> records) throws IOException {
    if (records.isEmpty()) {
      return;
    }
    StringBuilder text = new StringBuilder();
    for (UsageRecord r : records) {
      text.append(JSON.writeValueAsString(r)).append('\n');
    }
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      ByteBuffer b = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        out.write(b);
      }
      out.force(true);
    }
    lastHour = hour;
  }

  /** Streams the records of hours starting in [from, to). */
  void read(long from, long to, Consumer<UsageRecord> sink) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String text;
      int line = 0;
      while ((text = in.readLine()) != null) {
        UsageRecord r = parse(file, ++line, text);
        if (r.hour() >= from && r.hour() < to) {
          sink.accept(r);
        }
      }
    }
  }
}
