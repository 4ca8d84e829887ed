package org.snipblock.node;

/**
 * A failure caused by what the operator gave or by the machine (bad flag, bad config file, port in
 * use, unwritable or full disk). The CLI prints the message as one line and exits non-zero, with
 * no stack trace: the message alone must tell the operator what to fix. Messages quote what the
 * operator gave, which may hold line breaks or other control characters: they are shown escaped,
 * so the message stays one line whatever was quoted.
 */
public class OperatorError extends RuntimeException {
  public OperatorError(String message) {
    super(oneLine(message));
  }

  public OperatorError(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  static String oneLine(String message) {
    if (message == null || message.chars().noneMatch(Character::isISOControl)) {
      return message;
    }
    StringBuilder b = new StringBuilder(message.length() + 8);
    message.chars().forEach(c -> {
      switch (c) {
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> b.append(Character.isISOControl(c) ? String.format("\\u%04x", c) : String.valueOf((char) c));
      }
    });
    return b.toString();
  }
}
