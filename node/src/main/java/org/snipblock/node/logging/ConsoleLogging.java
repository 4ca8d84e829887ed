package org.snipblock.node.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The daemon's and the CLI's logging, set up in code: WARN and above to stderr, this project's own
 * loggers from {@code SNIPBLOCK_LOG_LEVEL} (a system property or the environment; INFO by default),
 * stdout left to what the CLI prints. In code rather than a logback.xml: every CLI command sets
 * logback up (netty's first log call does), and reading the XML loaded some 400 more classes, a
 * good part of a command's start-up CPU, which a loaded machine turns into seconds. A
 * {@code logback-test.xml} on the class path or {@code -Dlogback.configurationFile} still
 * configures logback as usual.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class ConsoleLogging extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";
  static final String LEVEL_VARIABLE = "SNIPBLOCK_LOG_LEVEL";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (fileGiven()) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    setUp(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** True when logback's own file configuration should run instead (a test's, or the operator's). */
  static boolean fileGiven() {
    return System.getProperty("logback.configurationFile") != null
        || ConsoleLogging.class.getClassLoader().getResource("logback-test.xml") != null;
  }

  static void setUp(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("STDERR");
    console.setTarget("System.err");
    console.setEncoder(encoder);
    console.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(console);
    context.getLogger("org.snipblock").setLevel(level());
  }

  /** The level of this project's loggers; INFO when unset or not a level name. */
  static Level level() {
    String set = System.getProperty(LEVEL_VARIABLE, System.getenv(LEVEL_VARIABLE));
    return Level.toLevel(set, Level.INFO);
  }
}
