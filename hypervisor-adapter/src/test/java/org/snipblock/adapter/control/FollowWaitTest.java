package org.snipblock.adapter.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/** The storage's answers a volume's follow waits out, in the words replication uses, and those it does not. */
class FollowWaitTest {
  private static final String MIGRATING_B = "volume db-disk0 is already migrating to site b on n1; ask again once "
      + "that ended";

  private static StatusRuntimeException refused(Status status, String why) {
    return status.withDescription(why).asRuntimeException();
  }

  @Test
  void theForwardStepWaitsForItsOwnMigrationWhateverNodeCarriesItOn() {
    assertThat(FollowWait.FORWARD.of(refused(Status.FAILED_PRECONDITION, MIGRATING_B), "b")).contains(MIGRATING_B);
    assertThat(FollowWait.FORWARD.of(refused(Status.ABORTED, "volume db-disk0: the migration was taken over by n2 "
        + "(this node is no longer its primary)"), "b")).isPresent();
    assertThat(FollowWait.FORWARD.of(refused(Status.UNAVAILABLE, "io exception"), "b"))
        .contains("storage unavailable: io exception");
    assertThat(FollowWait.FORWARD.of(Status.UNAVAILABLE.asRuntimeException(), "b")).contains("storage unavailable");
  }

  @Test
  void aMigrationToAnotherSiteFailsTheForwardStepButIsWaitedOutByTheUndo() {
    String toA = "volume db-disk0 is already migrating to site a on n3; ask again once that ended";
    assertThat(FollowWait.FORWARD.of(refused(Status.FAILED_PRECONDITION, toA), "b")).isEmpty();
    assertThat(FollowWait.UNDO.of(refused(Status.FAILED_PRECONDITION, toA), "b")).contains(toA);
    assertThat(FollowWait.FORWARD.of(refused(Status.FAILED_PRECONDITION, MIGRATING_B.replace("site b ", "site b2 ")),
        "b")).as("a site whose name begins with the target's").isEmpty();
  }

  @Test
  void anyOtherRefusalOrAMalformedOneStands() {
    for (FollowWait wait : FollowWait.values()) {
      assertThat(wait.of(refused(Status.INVALID_ARGUMENT, "unknown site z (the cluster's nodes are in a, b)"), "z"))
          .isEmpty();
      assertThat(wait.of(refused(Status.FAILED_PRECONDITION, "volume db-disk0 is kept in sites a,b: move its copies "
          + "with volume set db-disk0 --sites and volume move-primary, or lift the constraint with --sites any first"),
          "b")).isEmpty();
      assertThat(wait.of(refused(Status.FAILED_PRECONDITION, "node n2 is not the primary of db-disk0; ask its "
          + "primary n5"), "b")).as("every node reachable, none the primary (AdminNodes.callUntil)").isEmpty();
      assertThat(wait.of(Status.FAILED_PRECONDITION.asRuntimeException(), "b")).as("no description").isEmpty();
      assertThat(wait.of(refused(Status.FAILED_PRECONDITION, ""), "b")).as("an empty description").isEmpty();
      assertThat(wait.of(refused(Status.INTERNAL, "migrate volume db-disk0 to site b failed: " + MIGRATING_B), "b"))
          .as("the words under another code").isEmpty();
      assertThat(wait.of(refused(Status.FAILED_PRECONDITION, "already migrating to site b"), "b"))
          .as("a fragment").isEmpty();
    }
  }
}
