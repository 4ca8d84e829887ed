package org.snipblock.node;

/**
 * A failure caused by what the operator gave or by the machine (bad flag, bad config file, port in
 * use, unwritable or full disk). The CLI prints the message as one line and exits non-zero, with
 * no stack trace: the message alone must tell the operator what to fix.
 */
public class OperatorError extends RuntimeException {
  public OperatorError(String message) {
    super(message);
  }

  public OperatorError(String message, Throwable cause) {
    super(message, cause);
  }
}
