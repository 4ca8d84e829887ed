package org.snipblock.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The store a test runs against: opened in a fresh temporary directory before each test (two I/O
 * threads, enough to run requests side by side on a small CI machine) and closed after it, with
 * its directory, whichever store the test reopened last. Every store it opens goes to the test's
 * field:
 *
 * <pre>{@code
 * SnippetStore store;
 * @RegisterExtension final TempStore temp = new TempStore(opened -> store = opened);
 * }</pre>
 */
final class TempStore implements BeforeEachCallback, AfterEachCallback {
  private static final StoreConfig CONFIG = StoreConfig.defaults().withIoThreads(2);

  private final Consumer<SnippetStore> opened;
  private Path dir;
  private SnippetStore store;

  TempStore(Consumer<SnippetStore> opened) {
    this.opened = opened;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("snippet-store-");
    open(CONFIG);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      store = null;
      delete(dir);
    }
  }

  /** The store's directory. */
  Path dir() {
    return dir;
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
  void open() throws Exception {
    open(CONFIG);
  }

  private void open(StoreConfig config) throws Exception {
    store = null; // a failed open leaves nothing to close
    store = SnippetStore.open(dir, config);
    opened.accept(store);
  }

  private static void delete(Path dir) throws IOException {
    if (dir == null) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
