/**
 * The snippet store: the local storage engine of one node.
 *
 * <p>Entry point {@link org.snipblock.store.SnippetStore#open}. On disk under the data directory:
 * {@code extents/} (one sparse file per volume: 4 KiB slots, each one chunk version, written once),
 * {@code journal/} (the store's redo log: segments of CRC32C-sealed records, group-committed,
 * fsynced on FUA/flush/admin changes after the extent files are forced) and {@code db/} (RocksDB,
 * written with its WAL off: {@code catalog} (volume id → descriptor), {@code labels} (volume id +
 * snippet index → {@link org.snipblock.store.SnippetLabel}), {@code layers} (snapshot and clone
 * layers), {@code allocation} (layer id + 4 KiB chunk number → state, slot and CRC32C) and
 * {@code blocks} (chunks of compressed volumes, and of stores written before extents)). Unwritten
 * chunks have no entry, so space follows written data. The layout and its crash ordering are in
 * docs/store-layout.md.
 */
package org.snipblock.store;
