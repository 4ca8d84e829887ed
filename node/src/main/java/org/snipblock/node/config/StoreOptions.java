package org.snipblock.node.config;

/**
 * Storage engine settings from the config file's {@code store:} section; null where not given.
 *
 * @param capacity    most bytes the store may hold on disk (0 = only the file system limits)
 * @param snippetSize snippet size for volumes created without one (a power of two)
 * @param ioThreads   threads doing reads, checksums and compression
 * @param backgroundRate what the node's background work may move per second while its clients are idle (0 = no cap)
 */
public record StoreOptions(Long capacity, Long snippetSize, Integer ioThreads, Long backgroundRate) {
  public static final StoreOptions NONE = new StoreOptions(null, null, null, null);
}
