package org.snipblock.cluster.replica;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What a primary's acknowledge window logs, and when: the lines the fault schedule's epoch check reads. */
class AckWindowTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(AckWindow.class);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private Level before;

  @BeforeEach
  void capture() {
    before = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void release() {
    logger.detachAppender(lines);
    logger.setLevel(before);
  }

  private List<String> logged() {
    return lines.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  @Test
  void opensAtTheFirstAcknowledgementAndEndsWithTheWholeWindow() {
    AckWindow w = new AckWindow("v", 7, 3, "n1");
    w.end("closed");
    assertThat(logged()).as("nothing acknowledged, nothing to tell").isEmpty();
    w.acked(2000, true);
    w.acked(1000, true);
    w.acked(3000, true);
    // Meanwhile at most a DEBUG line a second (none, unless this machine took a second for these calls).
    w.logIfDue();
    assertThat(logged()).first().isEqualTo("INFO " + AckWindow.line("v", 7, 3, "n1", 2000, 2000, 1, "opened"));
    assertThat(logged()).filteredOn(l -> l.startsWith("INFO")).hasSize(1);
    w.end("stepped down");
    assertThat(logged()).last().isEqualTo("INFO " + AckWindow.line("v", 7, 3, "n1", 1000, 3000, 3, "stepped down"));
  }

  @Test
  void aChangeAcknowledgedAfterSteppingDownIsLoggedAtOnce() {
    AckWindow w = new AckWindow("v", 7, 3, "n1");
    w.acked(1000, true);
    w.acked(5000, false);
    assertThat(logged()).last()
        .isEqualTo("DEBUG " + AckWindow.line("v", 7, 3, "n1", 1000, 5000, 2, "after stepping down"));
  }

  @Test
  void admissionTimesAreMicrosecondsOfTheWallClock() {
    long before = System.currentTimeMillis() * 1000;
    long now = AckWindow.now();
    assertThat(now).isBetween(before, (System.currentTimeMillis() + 1) * 1000);
  }
}
