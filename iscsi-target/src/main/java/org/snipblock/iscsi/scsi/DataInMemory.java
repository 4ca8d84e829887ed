package org.snipblock.iscsi.scsi;

import java.nio.ByteBuffer;

/**
 * Where a command puts the data it returns (Data-In): memory the transport lends for the one
 * response, pooled and off the heap, so that what a READ brings from the device goes to the socket
 * without a copy. The transport frees it once the response has been sent or dropped; a logical
 * unit only fills it, and must be done with it when its command's future completes (as a
 * {@link org.snipblock.block.BlockDevice} call is done with its buffer when its future completes).
 * A response whose data is the buffer taken here is sent from it; any other data is sent as given.
 */
@FunctionalInterface
public interface DataInMemory {
  /** Heap buffers, which the garbage collector frees: for callers without a transport that lends. */
  DataInMemory HEAP = ByteBuffer::allocate;

  /** A buffer of exactly {@code length} bytes, position 0; at most once per command. */
  ByteBuffer take(int length);
}
