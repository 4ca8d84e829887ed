package org.snipblock.cluster.replica;

/**
 * How far the primary has brought one replica back in line.
 *
 * @param snippetsDone  snippets compared (and repaired where they differed)
 * @param snippetsTotal snippets the replica holds
 * @param bytesCopied   bytes sent because they differed
 * @param running       false once finished (or failed)
 * @param failure       why the last attempt failed, or null
 * @param purpose       "resync" (bringing a stale or new copy in line), "scrub" (periodic check and repair of
 *                      the copies' checksums) or "verify" (comparison only)
 */
public record ResyncProgress(String node, long snippetsDone, long snippetsTotal, long bytesCopied, boolean running,
    String failure, String purpose) {}
