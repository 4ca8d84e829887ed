package org.snipblock.store.qos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QosLimitsTest {

  @Test
  void parsesQemusVocabularyWithUnitsAndBursts() {
    QosLimits q = QosLimits.parse("iops-total=2000,bps-write=50M,iops-total-max=4000,iops-total-max-length=10s");
    assertThat(q.get(ThrottleBucket.IOPS_TOTAL)).isEqualTo(new BucketLimit(2000, 4000, 10));
    assertThat(q.get(ThrottleBucket.BPS_WRITE)).isEqualTo(new BucketLimit(50L << 20, 0, 1));
    assertThat(q.get(ThrottleBucket.BPS_READ)).isNull();
    assertThat(q.text()).isEqualTo("iops-total=2000,iops-total-max=4000,iops-total-max-length=10,bps-write=52428800");
    assertThat(QosLimits.parse(q.text())).isEqualTo(q);
  }

  @Test
  void aBurstWithoutLengthLastsOneSecondAndMinutesAreSeconds() {
    assertThat(QosLimits.parse("bps-read=1G,bps-read-max=2G").get(ThrottleBucket.BPS_READ))
        .isEqualTo(new BucketLimit(1L << 30, 2L << 30, 1));
    assertThat(QosLimits.parse("iops-read=10, iops-read-max=20, iops-read-max-length=2m").get(ThrottleBucket.IOPS_READ))
        .isEqualTo(new BucketLimit(10, 20, 120));
  }

  @Test
  void noneAndEmptyAndZeroMeanNoLimit() {
    assertThat(QosLimits.parse("none").isNone()).isTrue();
    assertThat(QosLimits.parse(" ").isNone()).isTrue();
    assertThat(QosLimits.parse("iops-total=0").isNone()).isTrue();
    assertThat(QosLimits.none().text()).isEqualTo("none");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "iops-totl=5|unknown key 'iops-totl'",
      "iops-total-burst=5|unknown key 'iops-total-burst'",
      "iops-total=-5|iops-total=-5 is negative",
      "bps-write=-1M|bps-write=-1M is negative",
      "iops-total=100,iops-total-max=50|iops-total-max (50) is below iops-total (100)",
      "iops-total=100,iops-total-max-length=10|iops-total-max-length needs iops-total-max",
      "iops-total-max=100|iops-total-max needs iops-total",
      "bps-write=50X|bps-write=50X: expected bytes per second",
      "iops-total=2k|iops-total=2k: expected operations per second",
      "iops-total=1.5|iops-total=1.5: expected operations per second",
      "iops-total=1,iops-total-max=2,iops-total-max-length=10h|iops-total-max-length=10h: expected whole seconds",
      "iops-total=1,iops-total-max=2,iops-total-max-length=0|a burst lasts at least 1 s",
      "iops-total=5,iops-total=6|iops-total is given twice",
      "iops-total=5,,bps-read=1|'' is not KEY=VALUE",
      "iops-total|'iops-total' is not KEY=VALUE",
      "iops-total=5,iops-read=3|iops-total cannot be combined with iops-read",
      "bps-total=5,bps-write=3|bps-total cannot be combined with bps-write",
      "bps-total=99999999T|is too large",
      "iops-total=99999999999999999999|is too large",
  })
  void malformedInputGivesOneClearLine(String text, String message) {
    assertThatThrownBy(() -> QosLimits.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid --qos: ")
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void aShareScalesEveryRateAndKeepsThemValid() {
    QosLimits l = QosLimits.parse("iops-total=200,iops-total-max=400,iops-total-max-length=10s,bps-write=10M");
    assertThat(l.scaled(0.25).text()).isEqualTo(QosLimits.parse(
        "iops-total=50,iops-total-max=100,iops-total-max-length=10s,bps-write=2621440").text());
    assertThat(l.scaled(1)).isSameAs(l);
    assertThat(QosLimits.parse("iops-total=10,iops-total-max=11").scaled(0.001).text())
        .as("at least 1 per second, the burst never below the average")
        .isEqualTo("iops-total=1,iops-total-max=1,iops-total-max-length=1");
    assertThat(QosLimits.parse(l.scaled(0.3).text())).isEqualTo(l.scaled(0.3));
    assertThat(l.limitsOperations()).isTrue();
    assertThat(QosLimits.parse("bps-read=5M").limitsOperations()).isFalse();
  }
}
