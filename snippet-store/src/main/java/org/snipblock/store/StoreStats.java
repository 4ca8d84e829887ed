package org.snipblock.store;

/**
 * Store-wide numbers for the node's metrics and {@code status}.
 *
 * @param capacityBytes  configured capacity, or the file system's size when none is configured
 * @param usedBytes      logical bytes allocated across all volumes
 * @param storedBytes    bytes of block values after compression
 * @param diskFreeBytes  free space of the file system holding the data directory
 * @param dbBytes        RocksDB's live SST files
 * @param journalBytes   unflushed journal in the current segment
 */
public record StoreStats(
    long capacityBytes,
    long usedBytes,
    long storedBytes,
    long diskFreeBytes,
    long dbBytes,
    long journalBytes,
    int volumes,
    long checksumErrors) {}
