package org.snipblock.node.tenant;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snipblock.store.qos.QosLimits;

class TenantQuotasTest {
  private static final QosLimits NONE = QosLimits.none();

  @Test
  void volumesAndBytesAreCountedAgainstTheirQuotas() {
    TenantLimits q = TenantLimits.parse("max-volumes=2,max-bytes=100");
    TenantQuotas.Usage one = new TenantQuotas.Usage(1, 60, Map.of("a", NONE));
    assertThatCode(() -> TenantQuotas.checkNewVolume("t", q, one, 40, NONE)).doesNotThrowAnyException();
    assertThatThrownBy(() -> TenantQuotas.checkNewVolume("t", q, one, 41, NONE))
        .hasMessage("tenant t: 60 of 100 bytes provisioned, 41 more would exceed max-bytes");
    TenantQuotas.Usage two = new TenantQuotas.Usage(2, 60, Map.of("a", NONE, "b", NONE));
    assertThatThrownBy(() -> TenantQuotas.checkNewVolume("t", q, two, 1, NONE)).hasMessage("tenant t: 2 of 2 volumes used");
    // Growing a volume counts only the growth.
    assertThatCode(() -> TenantQuotas.checkResize("t", q, one, 60, 100)).doesNotThrowAnyException();
    assertThatThrownBy(() -> TenantQuotas.checkResize("t", q, one, 60, 101))
        .hasMessageContaining("0 of 100 bytes provisioned, 101 more");
    // No quota, no limit.
    assertThatCode(() -> TenantQuotas.checkNewVolume("t", TenantLimits.NONE, two, Long.MAX_VALUE / 2, NONE))
        .doesNotThrowAnyException();
  }

  @Test
  void ceilingsCapTheSumOfTheVolumesLimits() {
    TenantLimits q = TenantLimits.parse("max-iops=300,max-bps=10M");
    QosLimits a = QosLimits.parse("iops-total=200,bps-total=5M");
    TenantQuotas.Usage u = new TenantQuotas.Usage(1, 0, Map.of("a", a));
    assertThatCode(() -> TenantQuotas.checkNewVolume("t", q, u, 1, QosLimits.parse("iops-read=50,iops-write=50,bps-write=5M,bps-read=1")))
        .isInstanceOf(TenantQuotas.Exceeded.class)
        .hasMessage("tenant t: 5242880 of 10485760 bytes/s (max-bps) given to other volumes, 5242881 more would exceed it");
    assertThatCode(() -> TenantQuotas.checkNewVolume("t", q, u, 1, QosLimits.parse("iops-read=50,iops-write=50,bps-total=5M")))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> TenantQuotas.checkNewVolume("t", q, u, 1, QosLimits.parse("iops-total=101,bps-total=1M")))
        .hasMessage("tenant t: 200 of 300 IOPS (max-iops) given to other volumes, 101 more would exceed it");
    // Only a read limit leaves writes unlimited: not within a ceiling.
    assertThatThrownBy(() -> TenantQuotas.checkNewVolume("t", q, u, 1, QosLimits.parse("iops-read=10,bps-total=1M")))
        .hasMessageStartingWith("tenant t has max-iops=300: give the volume a limit within it");
    // Changing a volume's own limits does not count its old ones.
    assertThatCode(() -> TenantQuotas.checkLimits("t", q, u, "a", QosLimits.parse("iops-total=300,bps-total=10M")))
        .doesNotThrowAnyException();
  }

  @Test
  void newCeilingsMustHoldForTheVolumesAsTheyAre() {
    TenantQuotas.Usage u = new TenantQuotas.Usage(2, 0, Map.of("a", QosLimits.parse("iops-total=200"), "b", NONE));
    assertThatThrownBy(() -> TenantQuotas.checkNewCeilings("t", TenantLimits.parse("max-iops=1000"), u))
        .hasMessage("tenant t: b has no IOPS limit; give it one before setting max-iops");
    TenantQuotas.Usage v = new TenantQuotas.Usage(2, 0, Map.of("a", QosLimits.parse("iops-total=200"),
        "b", QosLimits.parse("iops-total=200")));
    assertThatThrownBy(() -> TenantQuotas.checkNewCeilings("t", TenantLimits.parse("max-iops=399"), v))
        .hasMessage("tenant t: its volumes' limits add up to 400 IOPS, more than max-iops=399");
    assertThatCode(() -> TenantQuotas.checkNewCeilings("t", TenantLimits.parse("max-iops=400,max-volumes=1"), v))
        .doesNotThrowAnyException();
  }
}
