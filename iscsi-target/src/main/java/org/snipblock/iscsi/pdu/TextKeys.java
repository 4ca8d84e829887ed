package org.snipblock.iscsi.pdu;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The text format of Login and Text PDUs (RFC 7143 section 6.1): {@code key=value} pairs, each
 * terminated by a NUL byte, UTF-8. Keys keep their order; duplicates are kept so that callers can
 * detect them.
 */
public final class TextKeys {
  /** RFC 7143 section 6.1: keys are at most 63 bytes, values at most 255 unless stated (8192). */
  static final int MAX_KEY_LENGTH = 63;
  static final int MAX_VALUE_LENGTH = 8192;

  private TextKeys() {}

  /** Parses a text data segment; throws {@link IllegalArgumentException} for malformed text. */
  public static List<Map.Entry<String, String>> parse(byte[] text) {
    List<Map.Entry<String, String>> pairs = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= text.length; i++) {
      if (i == text.length || text[i] == 0) {
        if (i > start) {
          String pair = new String(text, start, i - start, StandardCharsets.UTF_8);
          int eq = pair.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("text pair without key=value: " + abbreviate(pair));
          }
          String key = pair.substring(0, eq);
          String value = pair.substring(eq + 1);
          if (key.length() > MAX_KEY_LENGTH || value.length() > MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException("key or value too long: " + abbreviate(key));
          }
          pairs.add(Map.entry(key, value));
        }
        start = i + 1;
      }
    }
    return pairs;
  }

  /** Encodes pairs as NUL-terminated key=value strings. */
  public static byte[] encode(List<Map.Entry<String, String>> pairs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, String> e : pairs) {
      out.writeBytes((e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    return out.toByteArray();
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
