package org.snipblock.iscsi.login;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * CHAP arithmetic (RFC 1994, RFC 7143 section 12.1.3): response = H(identifier || secret ||
 * challenge); binary values travel as 0x-hex or 0b-base64.
 */
final class Chap {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** CHAP_A codes this target accepts, in the order it prefers them. */
  enum Algorithm {
    SHA3_256(8, "SHA3-256"), SHA256(7, "SHA-256"), SHA1(6, "SHA-1"), MD5(5, "MD5");

    final int code;
    final String jcaName;

    Algorithm(int code, String jcaName) {
      this.code = code;
      this.jcaName = jcaName;
    }

    static Algorithm byCode(int code) {
      for (Algorithm a : values()) {
        if (a.code == code) {
          return a;
        }
      }
      return null;
    }
  }

  private Chap() {}

  /** The first algorithm in the initiator's list that we support (the initiator's preference). */
  static Algorithm choose(String offered) {
    for (String s : offered.split(",")) {
      try {
        Algorithm a = Algorithm.byCode(Integer.parseInt(s.trim()));
        if (a != null) {
          return a;
        }
      } catch (NumberFormatException ignored) {
        // RFC 7143 6.2: unknown values in a list are ignored
      }
    }
    return null;
  }

  static byte[] newChallenge() {
    byte[] c = new byte[32];
    RANDOM.nextBytes(c);
    return c;
  }

  static int newIdentifier() {
    return RANDOM.nextInt(256);
  }

  static byte[] response(Algorithm algorithm, int identifier, String secret, byte[] challenge) {
    try {
      MessageDigest md = MessageDigest.getInstance(algorithm.jcaName);
      md.update((byte) identifier);
      md.update(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      md.update(challenge);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm.jcaName + " missing from the JDK", e);
    }
  }

  static String encode(byte[] binary) {
    return "0x" + HexFormat.of().formatHex(binary);
  }

  /** Decodes a binary value; throws IllegalArgumentException on bad syntax. */
  static byte[] decode(String value) {
    if (value.length() > 2 && (value.startsWith("0x") || value.startsWith("0X"))) {
      String hex = value.substring(2);
      if ((hex.length() & 1) == 1) {
        hex = "0" + hex;
      }
      return HexFormat.of().parseHex(hex);
    }
    if (value.length() > 2 && (value.startsWith("0b") || value.startsWith("0B"))) {
      return Base64.getDecoder().decode(value.substring(2));
    }
    throw new IllegalArgumentException("not a binary value: " + value);
  }

  static boolean constantTimeEquals(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }
}
