package org.snipblock.store;

import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The store a test runs against, in the test's temporary directory: opened before each test (two
 * I/O threads, enough to run requests side by side on a small CI machine) and closed after it,
 * whichever store the test reopened last. Every store it opens goes to the test's field:
 *
 * <pre>{@code
 * @TempDir Path dir;
 * SnippetStore store;
 * @RegisterExtension final TempStore temp = new TempStore(() -> dir, opened -> store = opened);
 * }</pre>
 *
 * <p>JUnit fills {@code @TempDir} fields before any registered extension's {@code beforeEach}, and
 * deletes the directory after this one has closed the store.
 */
final class TempStore implements BeforeEachCallback, AfterEachCallback {
  private static final StoreConfig CONFIG = StoreConfig.defaults().withIoThreads(2);

  private final Supplier<Path> dir;
  private final Consumer<SnippetStore> opened;
  private SnippetStore store;

  TempStore(Supplier<Path> dir, Consumer<SnippetStore> opened) {
    this.dir = dir;
    this.opened = opened;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    open(CONFIG);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (store != null) {
      store.close();
      store = null;
    }
  }

  /** Closes the store and opens it again, as a restart does. */
  void reopen() throws Exception {
    reopen(CONFIG);
  }

  /** Closes the store and opens it again with {@code config}. */
  void reopen(StoreConfig config) throws Exception {
    store.close();
    open(config);
  }

  /** The process dies (nothing is flushed or closed), then the store opens again. */
  void crashAndReopen() throws Exception {
    store.closeAbruptly();
    open(CONFIG);
  }

  /** Opens the store again after the test closed it (to change its files meanwhile). */
  void openAgain() throws Exception {
    open(CONFIG);
  }

  private void open(StoreConfig config) throws Exception {
    store = null; // a failed open leaves nothing to close
    store = SnippetStore.open(dir.get(), config);
    opened.accept(store);
  }
}
