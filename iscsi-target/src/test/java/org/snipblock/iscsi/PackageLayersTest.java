package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The transport's packages form layers, so that each can be read without the ones above it:
 * the wire format ({@code pdu}) knows no phase, the full feature phase ({@code session}) does
 * not know how a login went, only what it produced; {@code login} hands over to {@code session}.
 */
class PackageLayersTest {
  private static final Path SOURCES = Path.of("src/main/java/org/snipblock/iscsi");

  /** Every line that names a class, imported or written out in full. */
  private static List<String> referencesIn(String pkg) {
    try (Stream<Path> files = Files.list(SOURCES.resolve(pkg))) {
      return files.filter(f -> f.toString().endsWith(".java")).flatMap(f -> {
        try {
          return Files.readAllLines(f).stream().filter(l -> l.contains("org.snipblock."))
              .map(l -> f.getFileName() + ": " + l);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void sessionDoesNotDependOnLogin() {
    assertThat(referencesIn("session")).noneMatch(l -> l.contains("org.snipblock.iscsi.login."));
  }

  @Test
  void pduDependsOnNeitherPhase() {
    assertThat(referencesIn("pdu")).noneMatch(l -> l.contains("org.snipblock.iscsi.login.")
        || l.contains("org.snipblock.iscsi.session."));
  }
}
