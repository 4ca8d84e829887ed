package org.snipblock.node.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/** How the daemon writes its log to stderr: {@code text} ({@link ConsoleLogging}'s pattern) or {@code json} lines. */
public enum LogFormat {
  TEXT, JSON;

  /** @throws IllegalArgumentException naming the formats for anything else */
  public static LogFormat parse(String text) {
    for (LogFormat f : values()) {
      if (f.name().equalsIgnoreCase(text.trim())) {
        return f;
      }
    }
    throw new IllegalArgumentException("invalid log format '" + text + "': expected text or json");
  }

  /** Switches the console appender to this format; text leaves it as configured. */
  public void apply(String nodeId) {
    if (this == TEXT || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof ConsoleAppender<ILoggingEvent> console) {
        JsonLogEncoder encoder = new JsonLogEncoder(nodeId);
        encoder.setContext(context);
        encoder.start();
        console.stop();
        console.setEncoder(encoder);
        console.start();
      }
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
