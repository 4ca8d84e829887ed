package org.snipblock.cluster.meta;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.snipblock.cluster.proto.SetChap;
import org.snipblock.cluster.proto.VolumeChap;
import org.snipblock.cluster.proto.VolumeRecord;
import org.snipblock.store.VolumeAdminException;
import org.snipblock.store.VolumeAdminException.Reason;

/**
 * A volume's CHAP in the cluster metadata: the rules a setting must meet (checked in the clear by
 * the CLI before sending and by the node that takes it, which then seals the secrets with the
 * {@link ChapKey}; the state machine, which holds no key, checks the users and the sealed form, so a
 * malformed command from any client changes nothing), and the state machine's change. No message
 * here ever quotes a secret.
 */
public final class ChapSettings {
  /** Printable characters, no space: a CHAP_N value, and one a client's URL or config can carry. */
  private static final Pattern USER = Pattern.compile("[\\x21-\\x7e]{1,255}");
  /**
   * RFC 7143 section 12.1.3: CHAP over an unencrypted link invites offline guessing, so secrets of
   * at least 96 bits (12 bytes); printable, so a secret file's line holds exactly the secret.
   */
  private static final Pattern SECRET = Pattern.compile("[\\x20-\\x7e]{12,255}");

  private ChapSettings() {}

  /** Checks a setting; throws INVALID_ARGUMENT with one line (never quoting a secret). */
  public static void check(VolumeChap c) {
    user("CHAP user", c.getUser());
    secret("CHAP secret", c.getSecret());
    if (c.getMutualUser().isEmpty() != c.getMutualSecret().isEmpty()) {
      throw invalid("give both the mutual CHAP user and its secret, or neither");
    }
    if (!c.getMutualUser().isEmpty()) {
      user("mutual CHAP user", c.getMutualUser());
      secret("mutual CHAP secret", c.getMutualSecret());
      if (c.getMutualSecret().equals(c.getSecret())) {
        // RFC 7143 section 12.1.3: one secret both ways lets an initiator reflect the target's challenge.
        throw invalid("the mutual CHAP secret must differ from the CHAP secret");
      }
    }
  }

  /**
   * The setting with its secrets sealed for {@code volume} (the clear ones dropped): what enters the
   * log. Checked first: throws INVALID_ARGUMENT, nothing sealed.
   */
  public static VolumeChap sealed(String volume, VolumeChap clear, ChapKey key) {
    check(clear);
    VolumeChap.Builder b = clear.toBuilder().clearSecret().clearMutualSecret()
        .setSealedSecret(ByteString.copyFrom(key.seal(volume, ChapKey.Role.SECRET, clear.getSecret())));
    if (!clear.getMutualUser().isEmpty()) {
      b.setSealedMutualSecret(ByteString.copyFrom(key.seal(volume, ChapKey.Role.MUTUAL_SECRET,
          clear.getMutualSecret())));
    }
    return b.build();
  }

  /**
   * What the state machine checks: the users, and the sealed secrets' form (a setting with clear
   * secrets is one logged before sealing, checked as it was then).
   */
  static void checkAsLogged(VolumeChap c) {
    if (c.getSealedSecret().isEmpty()) {
      check(c);
      return;
    }
    user("CHAP user", c.getUser());
    if (!c.getSecret().isEmpty() || !c.getMutualSecret().isEmpty()) {
      throw invalid("a sealed CHAP setting carries no clear secret");
    }
    shape("CHAP secret", c.getSealedSecret());
    if (c.getMutualUser().isEmpty() != c.getSealedMutualSecret().isEmpty()) {
      throw invalid("give both the mutual CHAP user and its secret, or neither");
    }
    if (!c.getMutualUser().isEmpty()) {
      user("mutual CHAP user", c.getMutualUser());
      shape("mutual CHAP secret", c.getSealedMutualSecret());
    }
  }

  private static void shape(String what, ByteString sealed) {
    try {
      ChapKey.checkShape(sealed.toByteArray(), what);
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  /** The volume with its CHAP set or dropped; throws NOT_FOUND for no such volume, INVALID_ARGUMENT for a bad setting. */
  public static VolumeRecord apply(VolumeRecord v, SetChap set) {
    if (v == null) {
      throw new VolumeAdminException(Reason.NOT_FOUND, "no volume named " + set.getName());
    }
    long version = v.getChap().getVersion() + 1;
    if (set.getOff()) {
      if (set.hasChap()) {
        throw invalid("turning CHAP off cannot be combined with a new setting");
      }
      return v.toBuilder().setChap(VolumeChap.newBuilder().setVersion(version)).build();
    }
    checkAsLogged(set.getChap());
    return v.toBuilder().setChap(set.getChap().toBuilder().setVersion(version)).build();
  }

  /** Whether the volume's record sets CHAP for every door (else each node's YAML decides). */
  public static boolean isSet(VolumeRecord v) {
    return v.hasChap() && !v.getChap().getUser().isEmpty();
  }

  private static void user(String what, String user) {
    if (!USER.matcher(user).matches()) {
      throw invalid(what + " must be 1 to 255 printable characters without spaces");
    }
  }

  private static void secret(String what, String secret) {
    if (!SECRET.matcher(secret).matches()) {
      int length = secret.getBytes(StandardCharsets.UTF_8).length;
      throw invalid(what + " must be 12 to 255 printable ASCII characters (96 bits at least, RFC 7143); "
          + (length < 12 || length > 255 ? "it has " + length + " bytes" : "it has other characters"));
    }
  }

  private static VolumeAdminException invalid(String message) {
    return new VolumeAdminException(Reason.INVALID_ARGUMENT, message);
  }
}
