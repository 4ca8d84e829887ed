package org.snipblock.adapter.cli;

import java.util.List;
import org.snipblock.node.cli.CommandExtension;

/** Adds the adapter's commands to {@code snipblock} (found by ServiceLoader). */
public final class AdapterCommands implements CommandExtension {
  @Override
  public List<Object> subcommands() {
    return List.of(new HostCommand(), new VmCommand(), new TemplateCommand(), new TaskCommand());
  }
}
