package org.snipblock.iscsi;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * The pooled allocator, remembering every buffer it hands out, so that a test can tell which a
 * connection took and whether each went back.
 */
final class TrackingAllocator extends AbstractByteBufAllocator {
  private final List<ByteBuf> handedOut = new ArrayList<>();

  TrackingAllocator() {
    super(true);
  }

  @Override
  protected synchronized ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
    return track(PooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity));
  }

  @Override
  protected synchronized ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
    return track(PooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity));
  }

  private ByteBuf track(ByteBuf b) {
    handedOut.add(b);
    return b;
  }

  @Override
  public boolean isDirectBufferPooled() {
    return true;
  }

  /** Direct buffers of exactly {@code capacity} bytes handed out so far. */
  synchronized List<ByteBuf> direct(int capacity) {
    return handedOut.stream().filter(b -> b.isDirect() && b.capacity() == capacity).toList();
  }

  /** Buffers handed out and not released (yet). */
  synchronized List<ByteBuf> held() {
    return handedOut.stream().filter(b -> b.refCnt() > 0).toList();
  }
}
