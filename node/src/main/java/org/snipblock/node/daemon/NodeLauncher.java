package org.snipblock.node.daemon;

import java.io.IOException;
import java.nio.file.Path;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.store.SnippetStore;

/** Starts a node from its config: claims the data directory, opens the store, starts serving. */
public final class NodeLauncher {
  /** The store's files live here inside the data directory, beside node.lock and node.json. */
  public static final String STORE_DIR = "store";

  private NodeLauncher() {}

  /** @throws OperatorError when the data directory, the store, a port or a volume is at fault */
  public static Node launch(NodeConfig config) {
    DataDir dataDir = DataDir.claim(config.dataDir());
    SnippetStore store;
    try {
      store = openStore(dataDir.path().resolve(STORE_DIR), config);
    } catch (RuntimeException e) {
      dataDir.close();
      throw e;
    }
    return Node.start(config, dataDir, store, store);
  }

  private static SnippetStore openStore(Path dir, NodeConfig config) {
    try {
      return SnippetStore.open(dir, config.store());
    } catch (IOException e) {
      String why = String.valueOf(e.getMessage());
      if (why.contains("No space left on device")) {
        throw new OperatorError("disk full: cannot open the store in " + dir + ": " + why, e);
      }
      throw new OperatorError("cannot open the store in " + dir + ": " + why, e);
    }
  }
}
