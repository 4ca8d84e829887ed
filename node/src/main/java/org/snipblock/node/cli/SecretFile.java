package org.snipblock.node.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A secret given as a file, so it appears in no command line: the file's one line (a final line
 * break is not part of it). Errors name the option and the file, never the content.
 */
final class SecretFile {
  private static final long MAX_BYTES = 4096;

  private SecretFile() {}

  static String read(String option, Path file) {
    byte[] bytes;
    try {
      if (Files.isDirectory(file)) {
        throw new IllegalArgumentException(option + " " + file + " is a directory");
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(option + " " + file + " has more than " + MAX_BYTES + " bytes");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("cannot read " + option + " " + file + ": no such file");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + e.getClass().getSimpleName());
    }
    // Byte for byte: a non-ASCII byte stays one character, which the rules then refuse.
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    if (text.endsWith("\r\n")) {
      text = text.substring(0, text.length() - 2);
    } else if (text.endsWith("\n")) {
      text = text.substring(0, text.length() - 1);
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException(option + " " + file + " is empty");
    }
    if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
      throw new IllegalArgumentException(option + " " + file + " has more than one line");
    }
    return text;
  }
}
