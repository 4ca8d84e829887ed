package org.snipblock.cluster;

import java.util.List;
import org.snipblock.cluster.replica.ResyncProgress;

/**
 * A clustered volume as {@code volume show} reports it.
 *
 * @param lagBytes        unacknowledged bytes at the furthest reachable replica; -1 when this node is not the primary
 * @param lagSeconds      age of the oldest unacknowledged change; -1 when this node is not the primary
 * @param unreachable     replicas the primary could not reach and that need a resync
 * @param stale           holders on record as missing changes: not counted, not promotable, being resynced
 * @param resyncs         progress of resyncs / re-replication run by the primary (empty elsewhere)
 * @param snippetReplicas per snippet index, the node ids holding a copy (the primary first)
 */
public record ClusterVolume(
    String name, long uid, long size, int snippetSize, int blockSize, int copies, int minCopies,
    String spread, String mode, String primary, long epoch, long lagBytes, double lagSeconds,
    List<String> unreachable, List<String> stale, List<ResyncProgress> resyncs, List<List<String>> snippetReplicas) {}
