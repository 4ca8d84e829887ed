package org.snipblock.block;

import java.io.IOException;
import org.slf4j.Logger;

/**
 * Why a client connection failed, for the doors' last-resort handlers: the peer's doing (an I/O
 * error, a TLS failure, or its breach of the protocol) is a warning in one line; anything else is a
 * bug of ours, logged as an error with its stack so that tests and operators see it.
 */
public final class ConnectionFailure {
  private ConnectionFailure() {}

  /** @param protocolError the door's exception for input that breaks the protocol */
  public static boolean byPeer(Throwable failure, Class<? extends Throwable> protocolError) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof IOException || protocolError.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /** For a door whose decoders answer bad input themselves: only I/O failures are the peer's. */
  public static void log(Logger log, String what, Throwable failure) {
    log(log, what, failure, IOException.class);
  }

  /** Logs {@code what} (e.g. "closing NBD connection from /10.0.0.1:4711") with the failure. */
  public static void log(Logger log, String what, Throwable failure, Class<? extends Throwable> protocolError) {
    if (byPeer(failure, protocolError)) {
      log.warn("{}: {}", what, rootMessage(failure));
    } else {
      log.error("{}: unexpected failure", what, failure);
    }
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.toString();
  }
}
