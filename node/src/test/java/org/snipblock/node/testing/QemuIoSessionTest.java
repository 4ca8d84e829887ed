package org.snipblock.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault schedule's iSCSI client talks to qemu-io one command at a time: a flush followed at
 * once by the next command left that command in qemu-io's stdin buffer, unread, and the client
 * waited 120 s for an answer that never came (the "flush unanswered after a partition" of the CI
 * seed). On a raw file, so that only qemu-io is under test.
 */
class QemuIoSessionTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path tmp;

  @Test
  @Timeout(60)
  void everyCommandIsAnsweredAlsoRightAfterAFlush() throws Exception {
    Path image = tmp.resolve("disk.raw");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(8 << 20);
    }
    try (QemuIoSession s = QemuIoSession.file(image)) {
      for (int i = 0; i < 20; i++) {
        assertThat(s.command("write -f -P " + (i + 1) + " " + i * 4096 + " 4k", WAIT)).as("write %d", i)
            .hasValueSatisfying(out -> assertThat(out).anyMatch(l -> l.contains("wrote 4096/4096")));
        assertThat(s.command("flush", WAIT)).as("flush %d", i).isPresent();
        assertThat(s.command("length", WAIT)).as("the command after flush %d", i).hasValue(List.of("8 MiB"));
      }
      assertThat(s.command("read -P 20 " + 19 * 4096 + " 4k", WAIT))
          .hasValueSatisfying(out -> assertThat(out).anyMatch(l -> l.contains("read 4096/4096")));
    }
  }

  @Test
  @Timeout(60)
  void aFailingCommandIsAnsweredWithItsErrorAndQuitWithTheEnd() throws Exception {
    Path image = tmp.resolve("disk.raw");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(1 << 20);
    }
    try (QemuIoSession s = QemuIoSession.file(image)) {
      assertThat(s.command("write 2M 4k", WAIT))
          .hasValueSatisfying(out -> assertThat(out).anyMatch(l -> l.contains("write failed")));
      assertThat(s.command("length", WAIT)).hasValue(List.of("1 MiB"));
      assertThat(s.command("quit", WAIT)).hasValue(List.of(QemuIoSession.ENDED));
    }
  }
}
