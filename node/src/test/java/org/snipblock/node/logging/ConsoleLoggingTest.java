package org.snipblock.node.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class ConsoleLoggingTest {
  @Test
  void logbackFindsItInsteadOfAnXmlFile() {
    assertThat(ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type))
        .contains(ConsoleLogging.class);
  }

  @Test
  void warningsToStderrAndTheProjectsOwnLoggersAtInfo() {
    LoggerContext context = new LoggerContext();
    ConsoleLogging.setUp(context);

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.WARN);
    Appender<ILoggingEvent> appender = root.getAppender("STDERR");
    assertThat(appender).isInstanceOf(ConsoleAppender.class);
    ConsoleAppender<ILoggingEvent> console = (ConsoleAppender<ILoggingEvent>) appender;
    assertThat(console.getTarget()).as("stdout is for what the CLI prints").isEqualTo("System.err");
    assertThat(console.isStarted()).isTrue();
    assertThat(((PatternLayoutEncoder) console.getEncoder()).getPattern()).isEqualTo(ConsoleLogging.PATTERN);
    if (System.getenv("SNIPBLOCK_LOG_LEVEL") == null) {
      assertThat(context.getLogger("org.snipblock.cluster.Caretaker").isInfoEnabled()).isTrue();
      assertThat(context.getLogger("org.snipblock.cluster.Caretaker").isDebugEnabled()).isFalse();
    }
    assertThat(context.getLogger("io.grpc.netty").isInfoEnabled()).isFalse();
    assertThat(context.getLogger("io.grpc.netty").isWarnEnabled()).isTrue();
  }

  @Test
  void theLevelVariableSetsTheProjectsLoggers() {
    String before = System.getProperty(ConsoleLogging.LEVEL_VARIABLE);
    try {
      System.setProperty(ConsoleLogging.LEVEL_VARIABLE, "debug");
      LoggerContext context = new LoggerContext();
      ConsoleLogging.setUp(context);
      assertThat(context.getLogger("org.snipblock.cluster.Caretaker").isDebugEnabled()).isTrue();
      assertThat(context.getLogger("io.grpc.netty").isInfoEnabled()).isFalse();

      System.setProperty(ConsoleLogging.LEVEL_VARIABLE, "loud");
      assertThat(ConsoleLogging.level()).as("not a level: the default").isEqualTo(Level.INFO);
    } finally {
      if (before == null) {
        System.clearProperty(ConsoleLogging.LEVEL_VARIABLE);
      } else {
        System.setProperty(ConsoleLogging.LEVEL_VARIABLE, before);
      }
    }
  }

  @Test
  void aTestsXmlFileIsLeftToLogback() {
    // This module's tests have a logback-test.xml: logback's own configurator must read it.
    LoggerContext context = new LoggerContext();
    ConsoleLogging configurator = new ConsoleLogging();
    configurator.setContext(context);

    assertThat(configurator.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNull();
  }
}
