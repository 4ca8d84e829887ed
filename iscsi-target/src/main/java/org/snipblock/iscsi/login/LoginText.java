package org.snipblock.iscsi.login;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snipblock.iscsi.pdu.TextKeys;

/**
 * The text of one login request, which may span several PDUs (RFC 7143 6.3: the C bit on every
 * part but the last), at most 64 KiB, parsed into its keys once the last part came.
 */
final class LoginText {
  private static final int MAX_BYTES = 64 * 1024;

  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private byte[] whole = new byte[0];
  private int beforeLast;

  /** Adds one PDU's part of the text. */
  void add(ByteBuffer part) throws LoginException {
    ByteBuffer data = part.duplicate();
    if (pending.size() + data.remaining() > MAX_BYTES) {
      throw new LoginException(LoginStatus.INITIATOR_ERROR, "login text too long");
    }
    byte[] chunk = new byte[data.remaining()];
    data.get(chunk);
    beforeLast = pending.size();
    pending.writeBytes(chunk);
  }

  /** The whole text's keys in the order given, each at most once; the next request's text starts empty. */
  Map<String, String> keys() throws LoginException {
    List<Map.Entry<String, String>> pairs;
    whole = pending.toByteArray();
    try {
      pairs = TextKeys.parse(whole);
    } catch (IllegalArgumentException e) {
      throw new LoginException(LoginStatus.INITIATOR_ERROR, e.getMessage());
    }
    pending.reset();
    Map<String, String> keys = new LinkedHashMap<>();
    for (Map.Entry<String, String> pair : pairs) {
      if (keys.putIfAbsent(pair.getKey(), pair.getValue()) != null) {
        throw new LoginException(LoginStatus.INITIATOR_ERROR, "key repeated: " + pair.getKey());
      }
    }
    return keys;
  }

  /** Back to the text as it was before the last part, for the request to be handled again whole. */
  void takeBackLast() {
    pending.reset();
    pending.write(whole, 0, beforeLast);
  }
}
