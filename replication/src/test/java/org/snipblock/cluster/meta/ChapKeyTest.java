package org.snipblock.cluster.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The cluster's CHAP key: what it seals only it opens, for that volume and role; key files read strictly. */
class ChapKeyTest {
  private static final String SECRET = "s3cret-of-16-ch";
  private static final byte[] RAW = HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  private final ChapKey key = ChapKey.of(RAW);

  @TempDir Path tmp;

  @Test
  void whatItSealsItOpensAndTheSealedFormHoldsNoSecret() {
    byte[] sealed = key.seal("vol1", ChapKey.Role.SECRET, SECRET);
    assertThat(key.open("vol1", ChapKey.Role.SECRET, sealed)).isEqualTo(SECRET);
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
    assertThat(key.seal("vol1", ChapKey.Role.SECRET, SECRET)).as("a fresh nonce each time").isNotEqualTo(sealed);
    ChapKey.checkShape(sealed, "sealed");
  }

  @Test
  void anotherKeyAnotherVolumeAnotherRoleOrAnAlteredByteDoNotOpen() {
    byte[] sealed = key.seal("vol1", ChapKey.Role.SECRET, SECRET);
    byte[] otherRaw = RAW.clone();
    otherRaw[0] ^= 1;
    assertThatThrownBy(() -> ChapKey.of(otherRaw).open("vol1", ChapKey.Role.SECRET, sealed))
        .hasMessageContaining("sealed with another cluster key (id " + key.id());
    assertThatThrownBy(() -> key.open("vol2", ChapKey.Role.SECRET, sealed)).hasMessageContaining("does not open");
    assertThatThrownBy(() -> key.open("vol1", ChapKey.Role.MUTUAL_SECRET, sealed)).hasMessageContaining("does not open");
    byte[] altered = sealed.clone();
    altered[altered.length - 1] ^= 1;
    assertThatThrownBy(() -> key.open("vol1", ChapKey.Role.SECRET, altered)).hasMessageContaining("does not open")
        .hasMessageNotContaining(SECRET);
    byte[] truncated = java.util.Arrays.copyOf(sealed, 20);
    assertThatThrownBy(() -> ChapKey.checkShape(truncated, "the secret")).hasMessage(
        "the secret is not a sealed secret of format 1 (20 bytes)");
  }

  @Test
  void keyFilesOfHexOrBase64AreRead() throws Exception {
    Path hex = Files.writeString(tmp.resolve("hex.key"), HexFormat.of().formatHex(RAW) + "\n");
    Path b64 = Files.writeString(tmp.resolve("b64.key"), Base64.getEncoder().encodeToString(RAW) + "\n");
    byte[] sealed = key.seal("v", ChapKey.Role.SECRET, SECRET);
    assertThat(ChapKey.read(hex).open("v", ChapKey.Role.SECRET, sealed)).isEqualTo(SECRET);
    assertThat(ChapKey.read(b64).id()).isEqualTo(key.id());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "00112233", "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
      "bm90IGEga2V5", "two\nlines of text that are not a key at all, nowhere near one"})
  void malformedKeyFilesAreRefusedInOneLineWithoutTheirContent(String content) throws Exception {
    Path file = Files.writeString(tmp.resolve("bad.key"), content);
    assertThatThrownBy(() -> ChapKey.read(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the CHAP key file " + file + " must hold one line of 32 bytes as 64 hex digits or base64"
            + " (e.g. head -c 32 /dev/urandom | base64)");
  }

  @Test
  void aMissingKeyFileIsNamed() {
    Path missing = tmp.resolve("missing.key");
    assertThatThrownBy(() -> ChapKey.read(missing)).hasMessage("cannot read the CHAP key file " + missing
        + ": NoSuchFileException");
    assertThatThrownBy(() -> ChapKey.of(new byte[16])).hasMessage("a CHAP key is 32 bytes, not 16");
  }
}
