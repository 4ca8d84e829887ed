package org.snipblock.cluster.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SiteListTest {
  @Test
  void parsesSitesAndAny() {
    assertThat(SiteList.parse("a,b")).containsExactly("a", "b");
    assertThat(SiteList.parse(" eu-1 , eu.2 ")).containsExactly("eu-1", "eu.2");
    assertThat(SiteList.parse("ANY")).isEmpty();
    assertThat(SiteList.label(List.of())).isEqualTo("any");
    assertThat(SiteList.label(List.of("a", "b"))).isEqualTo("a, b");
  }

  @Test
  void malformedSitesAreOneClearLine() {
    assertThatThrownBy(() -> SiteList.parse("")).hasMessage("sites missing: expected SITE[,SITE...] or any");
    assertThatThrownBy(() -> SiteList.parse("  ")).hasMessage("sites missing: expected SITE[,SITE...] or any");
    assertThatThrownBy(() -> SiteList.parse("a,,b"))
        .hasMessage("bad site name '' in sites 'a,,b': use 1-63 of [A-Za-z0-9._-], starting alphanumeric");
    assertThatThrownBy(() -> SiteList.parse("a,"))
        .hasMessage("bad site name '' in sites 'a,': use 1-63 of [A-Za-z0-9._-], starting alphanumeric");
    assertThatThrownBy(() -> SiteList.parse("a/b"))
        .hasMessage("bad site name 'a/b' in sites 'a/b': use 1-63 of [A-Za-z0-9._-], starting alphanumeric");
    assertThatThrownBy(() -> SiteList.parse("a,b,a")).hasMessage("site a named twice in sites 'a,b,a'");
  }

  @Test
  void sitesMustBeKnownAndFewerThanTheCopies() {
    assertThat(SiteList.misfit(List.of("a", "b"), Set.of("a", "b", "c"), 2)).isNull();
    assertThat(SiteList.misfit(List.of("a", "z"), Set.of("b", "a"), 3))
        .isEqualTo("unknown site z in sites a,z (the cluster's nodes are in a, b)");
    assertThat(SiteList.misfit(List.of("a", "b"), Set.of("a", "b"), 1))
        .isEqualTo("sites a,b name 2 sites but the volume has 1 copy: each site named holds a copy of every snippet");
  }
}
