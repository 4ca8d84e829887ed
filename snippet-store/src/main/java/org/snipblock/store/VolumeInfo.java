package org.snipblock.store;

import java.time.Instant;

/**
 * A volume as reported by {@code volume show}: its geometry and how much space it really uses.
 *
 * @param provisionedBytes the size clients see
 * @param usedBytes        bytes of logical data actually stored (thin provisioning: only written data)
 * @param storedBytes      bytes on disk after compression, as far as the engine can tell
 * @param snippets         number of snippets the volume is cut into
 * @param checksumErrors   reads refused so far because a stored block failed its CRC32C
 * @param readOnly         writes are refused (templates, snapshots)
 * @param parent           for a clone, the snapshot it reads through to ({@code VOLUME@SNAPSHOT});
 *                         null otherwise
 * @param flatten          the volume's flatten, running or done since the node started; null if none
 */
public record VolumeInfo(
    long id,
    String name,
    long provisionedBytes,
    int snippetSize,
    int blockSize,
    boolean compression,
    long usedBytes,
    long storedBytes,
    long snippets,
    long checksumErrors,
    Instant created,
    boolean readOnly,
    String parent,
    BackgroundProgress flatten) {}
