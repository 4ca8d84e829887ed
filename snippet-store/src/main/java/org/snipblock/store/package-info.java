/**
 * The snippet store: the local storage engine of one node.
 *
 * <p>Entry point {@link org.snipblock.store.SnippetStore#open}. On disk under the data directory:
 * {@code journal/} (the store's redo log: segments of CRC32C-sealed records, group-committed,
 * fsynced on FUA/flush/admin changes) and {@code db/} (RocksDB, written with its WAL off, column
 * families {@code catalog} (volume id → descriptor), {@code labels} (volume id + snippet index →
 * {@link org.snipblock.store.SnippetLabel}) and {@code blocks} (volume id + 4 KiB chunk number →
 * flags, CRC32C, payload)). Unwritten chunks have no key, so space follows written data.
 */
package org.snipblock.store;
