package org.snipblock.node.cli;

/** Entry point of the snipblock jar; replaced by the CLI when the node issue lands. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    throw new UnsupportedOperationException("the snipblock CLI is not built yet");
  }
}
