package org.snipblock.node.daemon;

import org.snipblock.node.OperatorError;
import org.snipblock.node.config.NodeConfig;

/** Starts a node from its config: claims the data directory, opens the store, starts serving. */
public final class NodeLauncher {
  private NodeLauncher() {}

  /** @throws OperatorError when the data directory, the store, a port or a volume is at fault */
  public static Node launch(NodeConfig config) {
    DataDir dataDir = DataDir.claim(config.dataDir());
    try {
      // The store lands with the snippet-store module; until then a node cannot open one.
      throw new OperatorError("this build has no storage engine yet");
    } catch (RuntimeException e) {
      dataDir.close();
      throw e;
    }
  }
}
