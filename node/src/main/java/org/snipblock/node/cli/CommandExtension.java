package org.snipblock.node.cli;

import java.util.List;

/**
 * More top-level commands for {@code snipblock}, found with {@link java.util.ServiceLoader} on the
 * class path: the hypervisor adapter adds {@code vm}, {@code host}, {@code template} and {@code task}
 * this way, since it builds on this module and cannot be named by it.
 */
public interface CommandExtension {
  /** picocli command objects (annotated with {@code @Command}) to add under {@code snipblock}. */
  List<Object> subcommands();
}
