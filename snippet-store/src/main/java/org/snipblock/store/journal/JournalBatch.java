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

  /**
   * NOTE changes nothing: it tells replay something about the key it names (see {@link #note}).
   * Appended last, so records written before it existed read the same.
   */
  public enum OpKind { PUT, DELETE, DELETE_RANGE, NOTE }

  public record Op(OpKind kind, Space space, byte[] key, byte[] value) {}

  private final List<Op> ops = new ArrayList<>();
  private long bytes;

  public JournalBatch put(Space space, byte[] key, byte[] value) {
    return add(new Op(OpKind.PUT, space, key, value));
  }

  public JournalBatch delete(Space space, byte[] key) {
    return add(new Op(OpKind.DELETE, space, key, null));
  }

  /**
   * Marks {@code key}, which this batch also puts, for replay: in {@code Space.ALLOCATION}, the
   * chunk's slot is the one its entry named before (an overwrite in place), whatever state the
   * database replay starts from is in. The database ignores it.
   */
  public JournalBatch note(Space space, byte[] key) {
    return add(new Op(OpKind.NOTE, space, key, null));
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
      n += 6 + op.key().length + (hasValue(op.kind()) ? 4 + op.value().length : 0);
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
      if (hasValue(op.kind())) {
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
      OpKind k = OpKind.values()[kind];
      byte[] value = hasValue(k) ? readBytes(in, payload.length) : null;
      b.add(new Op(k, Space.values()[space], key, value));
    }
    return b;
  }

  private static boolean hasValue(OpKind kind) {
    return kind == OpKind.PUT || kind == OpKind.DELETE_RANGE;
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
