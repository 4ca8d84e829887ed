package org.snipblock.block;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Collects what snipblock logs at ERROR while it is open. The code logs ERROR only for what it did
 * not expect (a bug, not bad input), so fuzz tests assert that hostile input leaves this empty.
 */
public final class LoggedErrors implements AutoCloseable {
  private final Logger root = (Logger) LoggerFactory.getLogger("org.snipblock");
  private final List<String> errors = new ArrayList<>();
  private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent e) {
      if (e.getLevel().isGreaterOrEqual(Level.ERROR)) {
        synchronized (errors) {
          errors.add(e.getLoggerName() + ": " + e.getFormattedMessage()
              + (e.getThrowableProxy() == null ? "" : " (" + e.getThrowableProxy().getClassName() + ": "
                  + e.getThrowableProxy().getMessage() + ")"));
        }
      }
    }
  };

  public LoggedErrors() {
    appender.setContext(root.getLoggerContext());
    appender.start();
    root.addAppender(appender);
  }

  /** The errors logged so far, each as "logger: message (exception)". */
  public List<String> all() {
    synchronized (errors) {
      return List.copyOf(errors);
    }
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
  }
}
