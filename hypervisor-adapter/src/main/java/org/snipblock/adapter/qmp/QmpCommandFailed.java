package org.snipblock.adapter.qmp;

/** QEMU understood a command and refused it (an error reply), e.g. a migration to an unreachable address. */
public final class QmpCommandFailed extends QmpException {
  private final String errorClass;

  public QmpCommandFailed(String command, String errorClass, String description) {
    super("QEMU refused " + command + ": " + description + " (" + errorClass + ")");
    this.errorClass = errorClass;
  }

  public String errorClass() {
    return errorClass;
  }
}
