package org.snipblock.iscsi.scsi;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snipblock.iscsi.scsi.PersistentReservations.State;

/**
 * The bytes of a logical unit's state shared by all its paths: the persistent reservations, the
 * SPC-2 reservation's holder, the mode parameters, and the unit attentions the latest changes
 * raised, each with the version that raised it, so a node that skipped versions still tells its own
 * nexuses of every change since the one it had.
 */
final class SharedLuStateCodec {
  /** 3 adds the SPC-2 holder and the mode parameters; 2 adds APTPL; 1 and 2 are still read. */
  private static final int FORMAT = 3;
  private static final int ONE_NEXUS = 0, EVERY_NEXUS = 1, EVERY_NEXUS_BUT = 2;
  /** Attentions of this many latest versions are kept: a node further behind loses the older ones. */
  static final int KEPT_VERSIONS = 32;
  private static final int MAX_ENTRIES = 1 << 16;

  /**
   * A unit attention a change raised, for the node that has the nexus; a null nexus: every nexus of
   * every node; {@code allBut}: every nexus of every node but this one (the one that changed it).
   */
  record Attention(long version, ItNexus nexus, Sense sense, boolean allBut) {
    Attention(long version, ItNexus nexus, Sense sense) {
      this(version, nexus, sense, false);
    }
  }

  /** Everything a change may alter. */
  record LuState(State reservations, ItNexus legacyHolder, ModeParameters.Values mode) {
    static final LuState NONE = new LuState(State.NONE, null, ModeParameters.Values.DEFAULT);
  }

  record Decoded(LuState state, List<Attention> attentions) {}

  private SharedLuStateCodec() {}

  static byte[] encode(LuState lu, List<Attention> attentions) {
    State state = lu.reservations();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeBoolean(state.aptpl());
      out.writeInt(state.generation());
      out.writeByte(state.type() == null ? 0 : state.type().code);
      List<ItNexus> nexuses = new ArrayList<>(state.registrations().keySet());
      out.writeInt(state.holder() == null ? -1 : nexuses.indexOf(state.holder()));
      out.writeInt(nexuses.size());
      for (ItNexus n : nexuses) {
        writeNexus(out, n);
        out.writeLong(state.registrations().get(n));
      }
      out.writeInt(attentions.size());
      for (Attention a : attentions) {
        out.writeLong(a.version());
        out.writeByte(a.nexus() == null ? EVERY_NEXUS : a.allBut() ? EVERY_NEXUS_BUT : ONE_NEXUS);
        if (a.nexus() != null) {
          writeNexus(out, a.nexus());
        }
        out.writeByte(a.sense().key());
        out.writeByte(a.sense().asc());
        out.writeByte(a.sense().ascq());
      }
      out.writeBoolean(lu.legacyHolder() != null);
      if (lu.legacyHolder() != null) {
        writeNexus(out, lu.legacyHolder());
      }
      ModeParameters.Values m = lu.mode();
      out.writeByte((m.writeCacheEnabled() ? 1 : 0) | (m.softwareWriteProtect() ? 2 : 0) | (m.descriptorSense() ? 4 : 0));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  /**
   * No bytes are no state: what the cluster leaves when it drops a state at a power loss.
   *
   * @throws IllegalArgumentException if the bytes are not a state this codec wrote
   */
  static Decoded decode(byte[] b) {
    if (b.length == 0) {
      return new Decoded(LuState.NONE, List.of());
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      int format = in.readUnsignedByte();
      if (format < 1 || format > FORMAT) {
        throw new IllegalArgumentException("unknown reservation state format " + format);
      }
      boolean aptpl = format >= 2 && in.readBoolean();
      int generation = in.readInt();
      int code = in.readUnsignedByte();
      ReservationType type = code == 0 ? null : ReservationType.of(code);
      if (code != 0 && type == null) {
        throw new IllegalArgumentException("unknown reservation type " + code);
      }
      int holderIndex = in.readInt();
      int count = count(in.readInt());
      Map<ItNexus, Long> registrations = new LinkedHashMap<>();
      List<ItNexus> order = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ItNexus n = readNexus(in);
        registrations.put(n, in.readLong());
        order.add(n);
      }
      if (holderIndex < -1 || holderIndex >= order.size()) {
        throw new IllegalArgumentException("holder " + holderIndex + " of " + order.size() + " registrations");
      }
      ItNexus holder = holderIndex < 0 ? null : order.get(holderIndex);
      int events = count(in.readInt());
      List<Attention> attentions = new ArrayList<>();
      for (int i = 0; i < events; i++) {
        long version = in.readLong();
        int kind = in.readUnsignedByte(); // formats 1 and 2 wrote a boolean: every nexus (1) or one (0)
        if (kind > EVERY_NEXUS_BUT || (kind == EVERY_NEXUS_BUT && format < 3)) {
          throw new IllegalArgumentException("unknown unit attention kind " + kind);
        }
        ItNexus n = kind == EVERY_NEXUS ? null : readNexus(in);
        attentions.add(new Attention(version, n,
            Sense.of(in.readUnsignedByte(), in.readUnsignedByte(), in.readUnsignedByte()), kind == EVERY_NEXUS_BUT));
      }
      ItNexus legacyHolder = null;
      ModeParameters.Values mode = ModeParameters.Values.DEFAULT;
      if (format >= 3) {
        legacyHolder = in.readBoolean() ? readNexus(in) : null;
        int bits = in.readUnsignedByte();
        if (bits > 7) {
          throw new IllegalArgumentException("unknown mode parameter bits 0x" + Integer.toHexString(bits));
        }
        mode = new ModeParameters.Values((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0);
      }
      if (in.read() != -1) {
        throw new IllegalArgumentException("trailing bytes after the logical unit's state");
      }
      return new Decoded(new LuState(new State(registrations, holder, type, generation, aptpl), legacyHolder, mode),
          attentions);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated logical unit state: " + e.getMessage(), e);
    }
  }

  private static int count(int n) {
    if (n < 0 || n > MAX_ENTRIES) {
      throw new IllegalArgumentException("count " + n + " outside 0.." + MAX_ENTRIES);
    }
    return n;
  }

  private static void writeNexus(DataOutputStream out, ItNexus n) throws IOException {
    out.writeUTF(n.initiatorName());
    out.writeLong(n.isid());
    out.writeUTF(n.targetName());
    out.writeInt(n.tpgt());
  }

  private static ItNexus readNexus(DataInputStream in) throws IOException {
    return new ItNexus(in.readUTF(), in.readLong(), in.readUTF(), in.readInt());
  }
}
