package org.snipblock.nbd.transmission;

import static org.snipblock.nbd.protocol.NbdErrno.EINVAL;
import static org.snipblock.nbd.protocol.NbdErrno.ENOSPC;
import static org.snipblock.nbd.protocol.NbdErrno.EOVERFLOW;
import static org.snipblock.nbd.protocol.NbdErrno.EPERM;

import org.snipblock.nbd.protocol.Nbd;

/**
 * Decides, from the header alone, whether a request may reach the device, with the error the
 * protocol document asks for: unknown commands and flags EINVAL, writes on a read-only export
 * EPERM, writes beyond the end ENOSPC, other ranges beyond the end EINVAL, payloads over the
 * advertised maximum EOVERFLOW. Alignment is left to the device ({@code BlockRange.check}).
 */
final class RequestCheck {
  private final ExportSession session;

  RequestCheck(ExportSession session) {
    this.session = session;
  }

  /** Null when the request is acceptable. */
  Rejection check(NbdRequest r) {
    int type = r.type();
    if (type > Nbd.CMD_BLOCK_STATUS || type == Nbd.CMD_DISC) {
      return new Rejection(EINVAL, "unknown command " + type);
    }
    int bad = r.flags() & ~allowedFlags(type);
    if (bad != 0) {
      return new Rejection(EINVAL, "flags 0x" + Integer.toHexString(bad) + " not valid for command " + type);
    }
    boolean writes = type == Nbd.CMD_WRITE || type == Nbd.CMD_WRITE_ZEROES || type == Nbd.CMD_TRIM;
    boolean payload = type == Nbd.CMD_READ || type == Nbd.CMD_WRITE;
    if (r.payloadDropped() || (payload && r.length() > session.maxRequestSize())) {
      return new Rejection(EOVERFLOW,
          r.length() + " bytes exceeds the maximum of " + session.maxRequestSize());
    }
    if (writes && session.readOnly()) {
      return new Rejection(EPERM, "export is read-only");
    }
    if (type == Nbd.CMD_FLUSH) {
      return r.offset() == 0 && r.length() == 0
          ? null : new Rejection(EINVAL, "flush with nonzero offset or length");
    }
    if (type == Nbd.CMD_BLOCK_STATUS && !session.hasMetaContexts()) {
      return new Rejection(EINVAL, "no metadata context was negotiated");
    }
    if ((payload || type == Nbd.CMD_BLOCK_STATUS) && r.length() == 0) {
      return new Rejection(EINVAL, "zero-length request");
    }
    long size = session.device().size();
    if (r.offset() < 0 || r.offset() > size || r.length() > size - r.offset()) {
      boolean writeBeyond = type == Nbd.CMD_WRITE || type == Nbd.CMD_WRITE_ZEROES;
      return new Rejection(writeBeyond ? ENOSPC : EINVAL,
          "range " + Long.toUnsignedString(r.offset()) + "+" + r.length() + " beyond export size " + size);
    }
    return null;
  }

  private int allowedFlags(int type) {
    int flags = Nbd.CMD_FLAG_FUA;
    boolean df = (session.transmissionFlags() & Nbd.FLAG_SEND_DF) != 0;
    if (type == Nbd.CMD_READ && df) {
      flags |= Nbd.CMD_FLAG_DF;
    } else if (type == Nbd.CMD_WRITE_ZEROES) {
      flags |= Nbd.CMD_FLAG_NO_HOLE | Nbd.CMD_FLAG_FAST_ZERO;
    } else if (type == Nbd.CMD_BLOCK_STATUS) {
      flags |= Nbd.CMD_FLAG_REQ_ONE;
    }
    return flags;
  }
}
