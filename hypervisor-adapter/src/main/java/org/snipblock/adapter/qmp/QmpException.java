package org.snipblock.adapter.qmp;

/** QMP did not give what was asked: the connection failed, broke, timed out, or QEMU sent nonsense. */
public class QmpException extends RuntimeException {
  public QmpException(String message) {
    super(message);
  }

  public QmpException(String message, Throwable cause) {
    super(message, cause);
  }
}
