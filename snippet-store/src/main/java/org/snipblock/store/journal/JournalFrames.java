package org.snipblock.store.journal;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Encodes a group of batches as journal records {@code [len][crc32c][seq][payload]} straight into
 * one direct buffer, so the file write needs no further copy. Used under the journal lock only.
 */
final class JournalFrames {
  private static final int HEADER = JournalReplay.HEADER;
  /** Largest buffer kept between groups; bigger groups get a buffer of their own. */
  private static final int KEPT_FRAME_BYTES = 4 << 20;
  private ByteBuffer buffer = ByteBuffer.allocateDirect(256 << 10);

  /** The records of {@code batches}, numbered from {@code firstSeq}, ready to append. */
  ByteBuffer encode(List<JournalBatch> batches, long firstSeq) {
    long total = 0;
    for (JournalBatch b : batches) {
      total += HEADER + b.encodedSize();
    }
    ByteBuffer frames = buffer(Math.toIntExact(total));
    long seq = firstSeq;
    for (JournalBatch b : batches) {
      int at = frames.position();
      frames.position(at + HEADER);
      b.encodeTo(frames);
      int len = frames.position() - at - HEADER;
      frames.putInt(at, len).putInt(at + 4, JournalReplay.crcOf(len, seq, frames.slice(at + HEADER, len)))
          .putLong(at + 8, seq);
      seq++;
    }
    return frames.flip();
  }

  private ByteBuffer buffer(int size) {
    if (size > buffer.capacity()) {
      if (size > KEPT_FRAME_BYTES) {
        return ByteBuffer.allocateDirect(size);
      }
      buffer = ByteBuffer.allocateDirect(Math.max(size, buffer.capacity() * 2));
    }
    return buffer.clear().limit(size);
  }
}
