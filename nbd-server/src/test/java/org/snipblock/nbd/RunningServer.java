package org.snipblock.nbd;

import org.snipblock.block.BlockDeviceCatalog;

/** An NBD server on 127.0.0.1 with an ephemeral port, for tests that drive real clients. */
final class RunningServer implements AutoCloseable {
  final NbdServer server;
  final int port;

  RunningServer(NbdServerConfig config, BlockDeviceCatalog catalog) throws InterruptedException {
    this.server = new NbdServer(config, catalog);
    this.port = server.start();
  }

  RunningServer(BlockDeviceCatalog catalog) throws InterruptedException {
    this(NbdServerConfig.plain("127.0.0.1", 0), catalog);
  }

  String uri(String export) {
    return "nbd://127.0.0.1:" + port + "/" + export;
  }

  @Override
  public void close() {
    server.close();
  }
}
