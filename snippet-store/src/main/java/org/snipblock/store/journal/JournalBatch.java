package org.snipblock.store.journal;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One atomic group of key-value changes: a whole client request or admin step. The journal stores
 * it, and the store applies it to RocksDB. Only blind writes (put, delete, delete range) exist, so
 * replaying a journal suffix over any later state gives the same result: replay is idempotent.
 */
public final class JournalBatch {

  /**
   * Which column family an operation addresses; numbered so the journal format is stable.
   * ALLOCATION mirrors BLOCKS key for key with each chunk's allocation state, so opening a store
   * reads a few bytes per chunk instead of every stored block. BLOCKS and ALLOCATION are keyed by
   * (layer, chunk); LAYERS holds the records of snapshot and clone layers (see Layer).
   */
  public enum Space { META, CATALOG, LABELS, BLOCKS, ALLOCATION, LAYERS }

  public enum OpKind { PUT, DELETE, DELETE_RANGE }

  public record Op(OpKind kind, Space space, byte[] key, byte[] value) {}

  private final List<Op> ops = new ArrayList<>();
  private long bytes;

  public JournalBatch put(Space space, byte[] key, byte[] value) {
    return add(new Op(OpKind.PUT, space, key, value));
  }

  public JournalBatch delete(Space space, byte[] key) {
    return add(new Op(OpKind.DELETE, space, key, null));
  }

  /** Deletes keys in {@code [begin, end)}. */
  public JournalBatch deleteRange(Space space, byte[] begin, byte[] end) {
    return add(new Op(OpKind.DELETE_RANGE, space, begin, end));
  }

  private JournalBatch add(Op op) {
    ops.add(op);
    bytes += 10 + op.key().length + (op.value() == null ? 0 : op.value().length);
    return this;
  }

  public List<Op> ops() {
    return ops;
  }

  public boolean isEmpty() {
    return ops.isEmpty();
  }

  /** Approximate encoded size. */
  public long bytes() {
    return bytes;
  }

  /** Exact size of {@link #encodeTo}'s output. */
  int encodedSize() {
    long n = 4;
    for (Op op : ops) {
      n += 6 + op.key().length + (op.kind() == OpKind.DELETE ? 0 : 4 + op.value().length);
    }
    return Math.toIntExact(n);
  }

  /** Writes the batch in the journal's record format ({@link #decode} reads it back). */
  void encodeTo(ByteBuffer out) {
    out.putInt(ops.size());
    for (Op op : ops) {
      out.put((byte) op.kind().ordinal());
      out.put((byte) op.space().ordinal());
      out.putInt(op.key().length);
      out.put(op.key());
      if (op.kind() != OpKind.DELETE) {
        out.putInt(op.value().length);
        out.put(op.value());
      }
    }
  }

  static JournalBatch decode(byte[] payload) throws IOException {
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
    JournalBatch b = new JournalBatch();
    int n = in.readInt();
    if (n < 0) {
      throw new IOException("negative op count");
    }
    for (int i = 0; i < n; i++) {
      int kind = in.readUnsignedByte();
      int space = in.readUnsignedByte();
      if (kind >= OpKind.values().length || space >= Space.values().length) {
        throw new IOException("unknown op " + kind + "/" + space);
      }
      byte[] key = readBytes(in, payload.length);
      byte[] value = kind == OpKind.DELETE.ordinal() ? null : readBytes(in, payload.length);
      b.add(new Op(OpKind.values()[kind], Space.values()[space], key, value));
    }
    return b;
  }

  private static byte[] readBytes(DataInputStream in, int limit) throws IOException {
    int len = in.readInt();
    if (len < 0 || len > limit) {
      throw new IOException("bad length " + len);
    }
    byte[] b = new byte[len];
    in.readFully(b);
    return b;
  }
}
