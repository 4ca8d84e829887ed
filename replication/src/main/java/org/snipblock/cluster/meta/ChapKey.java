package org.snipblock.cluster.meta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster's key for volumes' CHAP secrets: the node that takes a {@code volume chap} change
 * seals the secrets with it (AES-256-GCM, the JDK's) before the change enters the metadata log, and
 * a node's iSCSI door opens them at login. The log, the records and the snapshots hold only the
 * sealed form. Every node's config names a file with the same 32 random bytes (64 hex digits or
 * base64, one line). The sealed form carries a key id (the first 4 bytes of a SHA-256 of the key),
 * so a node with another key says so rather than failing the login silently, and is bound to its
 * volume and role (GCM's associated data): a sealed secret copied to another volume, or from the
 * mutual secret to the one-way secret, does not open. No message here quotes a key or a secret.
 */
public final class ChapKey {
  public static final int KEY_BYTES = 32;
  private static final int FORMAT = 1;
  private static final int ID_BYTES = 4;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BYTES = 16;
  private static final int OVERHEAD = 1 + ID_BYTES + NONCE_BYTES + TAG_BYTES;
  /** ChapSettings' bounds on a secret: 12 to 255 bytes. */
  private static final int MIN_SECRET = 12;
  private static final int MAX_SECRET = 255;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Which secret of a volume's CHAP: part of what the sealed form is bound to. */
  public enum Role { SECRET, MUTUAL_SECRET }

  private final SecretKeySpec key;
  private final byte[] id;

  private ChapKey(byte[] raw) {
    this.key = new SecretKeySpec(raw, "AES");
    this.id = Arrays.copyOf(sha256("snipblock chap key id\0".getBytes(StandardCharsets.US_ASCII), raw), ID_BYTES);
  }

  /** A key of exactly {@link #KEY_BYTES} bytes. */
  public static ChapKey of(byte[] raw) {
    if (raw.length != KEY_BYTES) {
      throw new IllegalArgumentException("a CHAP key is " + KEY_BYTES + " bytes, not " + raw.length);
    }
    return new ChapKey(raw.clone());
  }

  /**
   * The key in {@code file}: one line of 64 hex digits or of base64 for 32 bytes.
   *
   * @throws IllegalArgumentException naming the file and what is wrong (never its content)
   */
  public static ChapKey read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new IllegalArgumentException("cannot read the CHAP key file " + file + ": " + e.getClass().getSimpleName());
    }
    byte[] raw;
    try {
      raw = text.length() == 2 * KEY_BYTES ? HexFormat.of().parseHex(text) : Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      raw = null;
    }
    if (raw == null || raw.length != KEY_BYTES) {
      throw new IllegalArgumentException("the CHAP key file " + file + " must hold one line of " + KEY_BYTES
          + " bytes as 64 hex digits or base64 (e.g. head -c 32 /dev/urandom | base64)");
    }
    return new ChapKey(raw);
  }

  /** The key's id, hex: tells keys apart in messages without giving anything of the key away. */
  public String id() {
    return HexFormat.of().formatHex(id);
  }

  /** The secret sealed for this volume's CHAP in this role. */
  public byte[] seal(String volume, Role role, String secret) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    byte[] sealed = crypt(Cipher.ENCRYPT_MODE, nonce, volume, role, secret.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.allocate(1 + ID_BYTES + NONCE_BYTES + sealed.length).put((byte) FORMAT).put(id).put(nonce)
        .put(sealed).array();
  }

  /**
   * The secret {@link #seal} sealed for this volume and role.
   *
   * @throws IllegalArgumentException if it was sealed with another key, for another volume or role, or altered
   */
  public String open(String volume, Role role, byte[] sealed) {
    checkShape(sealed, "sealed CHAP secret");
    byte[] sealedId = Arrays.copyOfRange(sealed, 1, 1 + ID_BYTES);
    if (!MessageDigest.isEqual(sealedId, id)) {
      throw new IllegalArgumentException("the CHAP secret of " + volume + " was sealed with another cluster key (id "
          + HexFormat.of().formatHex(sealedId) + ", this node's is " + id() + ")");
    }
    byte[] nonce = Arrays.copyOfRange(sealed, 1 + ID_BYTES, 1 + ID_BYTES + NONCE_BYTES);
    byte[] body = Arrays.copyOfRange(sealed, 1 + ID_BYTES + NONCE_BYTES, sealed.length);
    return new String(crypt(Cipher.DECRYPT_MODE, nonce, volume, role, body), StandardCharsets.UTF_8);
  }

  /**
   * Whether bytes have the sealed form of a secret ChapSettings admits (format, length): what the
   * metadata's state machine, which holds no key, can check.
   *
   * @throws IllegalArgumentException naming {@code what}
   */
  public static void checkShape(byte[] sealed, String what) {
    if (sealed.length < OVERHEAD + MIN_SECRET || sealed.length > OVERHEAD + MAX_SECRET || sealed[0] != FORMAT) {
      throw new IllegalArgumentException(what + " is not a sealed secret of format " + FORMAT + " ("
          + sealed.length + " bytes)");
    }
  }

  private byte[] crypt(int mode, byte[] nonce, String volume, Role role, byte[] input) {
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      gcm.updateAAD((role.name() + "\0" + volume).getBytes(StandardCharsets.UTF_8));
      return gcm.doFinal(input);
    } catch (AEADBadTagException e) {
      throw new IllegalArgumentException("the sealed CHAP secret of " + volume + " does not open with this node's "
          + "cluster key (id " + id() + "): altered, or sealed for another volume");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available: " + e.getClass().getSimpleName(), e);
    }
  }

  private static byte[] sha256(byte[] prefix, byte[] raw) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(prefix);
      return d.digest(raw);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
