package org.snipblock.store;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot as {@code volume snapshots} reports it.
 *
 * @param id             the snapshot's identity, unique across nodes with high probability
 * @param origin         for a snapshot an import made: the id of the snapshot it reproduces; else 0
 * @param storedBytes    bytes kept in the snapshot's layer: what was written between the snapshot
 *                       before it and this one, and is still needed
 * @param exclusiveBytes of those, bytes no newer view sees any more: what deleting it gives back
 * @param sharedBytes    of those, bytes the volume (or a newer snapshot) still reads
 * @param clones         volumes cloned from it; while there are any it cannot be deleted
 */
public record SnapshotInfo(String volume, String name, long id, long origin, Instant created, long storedBytes,
    long exclusiveBytes, long sharedBytes, List<String> clones) {}
