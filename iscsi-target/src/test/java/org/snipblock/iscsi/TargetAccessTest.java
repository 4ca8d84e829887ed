package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How a target's own initiator list and a second (cluster-wide) list combine: both must admit. */
class TargetAccessTest {
  private static final String A = "iqn.2026-12.test:a";
  private static final String B = "iqn.2026-12.test:b";

  @Test
  void anEmptyConfiguredListAdmitsEveryoneButAnEmptyRestrictionNobody() {
    assertThat(TargetAccess.OPEN.admits(A)).isTrue();
    TargetAccess onlyA = TargetAccess.OPEN.restrictedTo(List.of(A));
    assertThat(onlyA.admits(A)).isTrue();
    assertThat(onlyA.admits(B)).isFalse();
    assertThat(TargetAccess.OPEN.restrictedTo(List.of()).admits(A)).isFalse();
  }

  @Test
  void bothListsMustAdmit() {
    TargetAccess configured = new TargetAccess(null, null, Set.of(A, B));
    assertThat(configured.restrictedTo(List.of(B, "iqn.2026-12.test:c")).allowedInitiators()).containsExactly(B);
    assertThat(configured.restrictedTo(List.of("iqn.2026-12.test:c")).admits(A)).isFalse();
    ChapSecret secret = new ChapSecret("user", "secret-of-12chars");
    assertThat(new TargetAccess(secret, null, Set.of()).restrictedTo(List.of(A)).chap()).as("CHAP stays")
        .isEqualTo(secret);
  }
}
