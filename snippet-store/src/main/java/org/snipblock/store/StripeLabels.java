package org.snipblock.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the labels of a volume's snippets say about their copies, one entry per placement stripe:
 * snippet {@code i} carries entry {@code i % size()}. Stored once per volume instead of once per
 * snippet, so a placement or mode change rewrites a few entries whatever the volume's size.
 *
 * @param generation increases by one on every change of the table
 * @param stripes    the flag and the holders of each stripe's snippets
 */
public record StripeLabels(long generation, List<Stripe> stripes) {
  static final int FORMAT = 1;

  /** The flag and holders every snippet of one stripe carries. */
  public record Stripe(SnippetLabel.Mode mode, List<String> replicas) {
    public Stripe {
      replicas = List.copyOf(replicas);
    }
  }

  /** What a snippet of a volume whose placement nobody has set carries: one synchronous copy here. */
  static final Stripe DEFAULT = new Stripe(SnippetLabel.Mode.SYNC, List.of());

  public StripeLabels {
    stripes = List.copyOf(stripes);
  }

  /** The entry snippet {@code index} carries. */
  Stripe of(long index) {
    return stripes.isEmpty() ? DEFAULT : stripes.get((int) (index % stripes.size()));
  }

  byte[] encode() {
    ByteArrayOutputStream bos = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bos)) {
      out.writeByte(FORMAT);
      out.writeLong(generation);
      out.writeInt(stripes.size());
      for (Stripe s : stripes) {
        out.writeByte(s.mode().ordinal());
        out.writeShort(s.replicas().size());
        for (String r : s.replicas()) {
          out.writeUTF(r);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return Crc32cFrame.seal(bos.toByteArray());
  }

  /** Decodes a table; throws IllegalArgumentException if it is corrupt or of an unknown format. */
  static StripeLabels decode(byte[] sealed) {
    byte[] body = Crc32cFrame.open(sealed, "stripe labels");
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      int format = in.readUnsignedByte();
      if (format != FORMAT) {
        throw new IllegalArgumentException("unknown stripe labels format " + format);
      }
      long generation = in.readLong();
      int n = in.readInt();
      if (n < 0 || n > body.length) {
        throw new IllegalArgumentException("stripe labels claim " + n + " stripes");
      }
      List<Stripe> stripes = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int mode = in.readUnsignedByte();
        if (mode >= SnippetLabel.Mode.values().length) {
          throw new IllegalArgumentException("unknown label mode " + mode);
        }
        int r = in.readUnsignedShort();
        List<String> replicas = new ArrayList<>(r);
        for (int j = 0; j < r; j++) {
          replicas.add(in.readUTF());
        }
        stripes.add(new Stripe(SnippetLabel.Mode.values()[mode], replicas));
      }
      return new StripeLabels(generation, stripes);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated stripe labels", e);
    }
  }
}
