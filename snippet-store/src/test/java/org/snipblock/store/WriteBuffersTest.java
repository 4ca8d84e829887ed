package org.snipblock.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.snipblock.block.BlockDevice;

/**
 * A write takes its data from any kind of caller buffer, wherever its data starts in it: direct
 * (a door's socket memory), a heap slice whose array starts before its data, read-only (a replica's
 * ByteString). Each kind, small and large (on the caller's thread or an I/O thread),
 * partial and whole chunks, zeroes among them, must read back exactly, on raw and compressed
 * volumes.
 */
class WriteBuffersTest {
  private static final int CHUNK = 4096;

  @TempDir Path dir;
  SnippetStore store;
  @RegisterExtension final TempStore temp = new TempStore(() -> dir, opened -> store = opened);

  private static final List<Function<byte[], ByteBuffer>> KINDS = List.of(
      b -> ByteBuffer.allocateDirect(b.length + 300).position(300).slice().put(b).flip(),
      b -> {
        byte[] wider = new byte[b.length + 700];
        System.arraycopy(b, 0, wider, 500, b.length);
        return ByteBuffer.wrap(wider, 500, b.length).slice();
      },
      b -> ByteBuffer.wrap(b).asReadOnlyBuffer());

  @Test
  void writesFromEveryKindOfBufferReadBackExactly() throws Exception {
    for (boolean compress : List.of(false, true)) {
      String name = compress ? "lz" : "raw";
      store.create(new VolumeSpec(name, 16 << 20, 0, 512, compress));
      BlockDevice d = store.open(name).orElseThrow();
      byte[] image = new byte[16 << 20];
      Random random = new Random(compress ? 7 : 8);
      // {offset, length}: inside one chunk, across two, whole chunks, large unaligned, large aligned
      long[][] writes = {{512, 1024}, {CHUNK - 512, 2048}, {4L * CHUNK, 4 * CHUNK},
          {40L * CHUNK + 1536, 100 * CHUNK}, {300L * CHUNK, 64 * CHUNK}};
      int k = 0;
      for (long[] w : writes) {
        for (Function<byte[], ByteBuffer> kind : KINDS) {
          byte[] bytes = new byte[(int) w[1]];
          random.nextBytes(bytes);
          // a whole chunk of zeroes inside the larger writes: stored as allocated zeroes
          if (bytes.length > 3 * CHUNK) {
            java.util.Arrays.fill(bytes, CHUNK, 3 * CHUNK, (byte) 0);
          }
          long at = w[0] + (k++ % 3) * 1024L * CHUNK;
          System.arraycopy(bytes, 0, image, (int) at, bytes.length);
          ByteBuffer src = kind.apply(bytes);
          d.write(at, src, false).get(30, TimeUnit.SECONDS);
          assertThat(src.hasRemaining()).as("the write consumed its buffer").isFalse();
        }
      }
      ByteBuffer all = ByteBuffer.allocateDirect(image.length);
      d.read(0, all).get(30, TimeUnit.SECONDS);
      assertThat(all.flip()).as(name).isEqualTo(ByteBuffer.wrap(image));
    }
  }
}
