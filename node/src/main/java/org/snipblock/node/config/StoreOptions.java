package org.snipblock.node.config;

/**
 * Storage engine settings from the config file's {@code store:} section; null where not given.
 *
 * @param capacity    most bytes the store may hold on disk (0 = only the file system limits)
 * @param snippetSize snippet size for volumes created without one (a power of two)
 * @param ioThreads   threads doing reads, checksums and compression
 */
public record StoreOptions(Long capacity, Long snippetSize, Integer ioThreads) {
  public static final StoreOptions NONE = new StoreOptions(null, null, null);
}
