/**
 * The {@code BlockDevice} seam: the only storage API the protocol frontends may use. Nothing here
 * knows about files, snippets or replicas, and nothing here parses a protocol.
 */
package org.snipblock.block;
