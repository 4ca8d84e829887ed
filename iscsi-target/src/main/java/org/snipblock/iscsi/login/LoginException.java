package org.snipblock.iscsi.login;

/** Ends a login with a failure status; the message is what gets logged. */
final class LoginException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int status;

  LoginException(int status, String message) {
    super(message);
    this.status = status;
  }

  int status() {
    return status;
  }
}
