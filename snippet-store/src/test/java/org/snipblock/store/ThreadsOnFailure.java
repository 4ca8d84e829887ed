package org.snipblock.store;

import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every thread's stack when a test fails, before its store is torn down: a request that never
 * completes shows up as a timeout, and only the threads at that moment say what it waits for.
 * Attaching jstack to a busy fork instead once killed it.
 */
final class ThreadsOnFailure implements TestExecutionExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(ThreadsOnFailure.class);

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      Thread t = e.getKey();
      out.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
      for (StackTraceElement s : e.getValue()) {
        out.append("    at ").append(s).append('\n');
      }
    }
    log.error("{} failed ({}); threads now:\n{}", context.getDisplayName(), failure, out);
    throw failure;
  }
}
