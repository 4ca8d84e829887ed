package org.snipblock.block;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * A scope naming the volume already named changes nothing (a door's completion run inside its
 * own request's scope), and every scope still leaves the context as it found it.
 */
class VolumeMdcTest {
  @AfterEach
  void clear() {
    MDC.clear();
  }

  @Test
  void aScopeInsideOneOfTheSameVolumeLeavesTheOuterOneNamingIt() {
    try (VolumeMdc outer = VolumeMdc.of("vm1")) {
      try (VolumeMdc inner = VolumeMdc.of("vm1")) {
        assertThat(MDC.get(VolumeMdc.KEY)).isEqualTo("vm1");
      }
      assertThat(MDC.get(VolumeMdc.KEY)).isEqualTo("vm1");
    }
    assertThat(MDC.get(VolumeMdc.KEY)).isNull();
  }

  @Test
  void aScopeOfAnotherVolumePutsThePreviousOneBack() {
    try (VolumeMdc outer = VolumeMdc.of("vm1")) {
      try (VolumeMdc inner = VolumeMdc.of("vm2")) {
        assertThat(MDC.get(VolumeMdc.KEY)).isEqualTo("vm2");
        try (VolumeMdc same = VolumeMdc.of("vm2")) {
          assertThat(MDC.get(VolumeMdc.KEY)).isEqualTo("vm2");
        }
        assertThat(MDC.get(VolumeMdc.KEY)).isEqualTo("vm2");
      }
      assertThat(MDC.get(VolumeMdc.KEY)).isEqualTo("vm1");
    }
    assertThat(MDC.get(VolumeMdc.KEY)).isNull();
  }

  @Test
  void noVolumeLeavesTheContextAsItIs() {
    try (VolumeMdc none = VolumeMdc.of(null)) {
      assertThat(MDC.get(VolumeMdc.KEY)).isNull();
    }
    try (VolumeMdc outer = VolumeMdc.of("vm1"); VolumeMdc none = VolumeMdc.of(null)) {
      assertThat(MDC.get(VolumeMdc.KEY)).isEqualTo("vm1");
    }
    assertThat(MDC.get(VolumeMdc.KEY)).isNull();
  }
}
