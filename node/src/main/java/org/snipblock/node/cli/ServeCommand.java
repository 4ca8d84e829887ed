package org.snipblock.node.cli;

import java.util.concurrent.Callable;
import org.snipblock.node.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {
        "Run a storage node: every volume is served as iSCSI target iqn.2026-11.org.snipblock:NAME "
            + "(LUN 0) and as NBD export NAME, and managed through the admin API.",
        "Writes DIR/node.json with the ports actually bound. SIGTERM stops it gracefully."})
final class ServeCommand implements Callable<Integer> {
  @Mixin ServeOptions options;

  @Override
  public Integer call() {
    NodeConfig config = NodeConfig.resolve(options.fromFile(), options.fromFlags());
    return Daemon.serveUntilStopped(config, options.logFormat, node -> {});
  }
}
