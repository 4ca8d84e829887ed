package org.snipblock.adapter.control;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/**
 * Which refusals of a volume's follow into a site ({@link Storage#follow}) only say "not yet": a
 * step waits them out and asks again, where any other refusal ends it. Matched on the parts of the
 * storage's lines that name the case, as replication words them: {@code SiteMigrationMarks
 * .alreadyMigrating} and {@code SiteFollowing.migrate} ("volume V is already migrating to site S
 * on N; ..."), {@code SiteMigration} ("volume V: the migration was taken over by N ...").
 */
enum FollowWait {
  /**
   * The forward step: its own migration into the site goes on. The storage primary it asked may be
   * lost mid-way; the volume's next primary takes the migration over, and every node answers that
   * the volume is already migrating to that site until it ended. A migration to another site is
   * someone else's, and fails the step. An abort stops the wait, so that the undo need not wait for it.
   */
  FORWARD,
  /**
   * The undo: whatever migration runs cannot be stopped half-way, so the volume moves back once it
   * ended; an abort, which is what may have started the undo, does not stop it.
   */
  UNDO;

  private static final String MIGRATING = " is already migrating to site ";

  /** The storage's answer as the task shows it while waiting, or empty if the refusal stands. */
  Optional<String> of(StatusRuntimeException e, String site) {
    Status.Code code = e.getStatus().getCode();
    String why = e.getStatus().getDescription();
    if (code == Status.Code.UNAVAILABLE) {
      // The node that could answer unreachable (the others refusing as not the primary: a failover
      // under way, see AdminNodes.callUntil), or a replicated operation that could not complete on
      // the node (no quorum in time): the cluster is changing. Every listed node answering "not the
      // primary" is no wait: the primary is none of them, which asking again does not change.
      return Optional.of("storage unavailable" + (why == null || why.isBlank() ? "" : ": " + why));
    }
    if (why == null) {
      return Optional.empty();
    }
    if (code == Status.Code.FAILED_PRECONDITION && why.contains(MIGRATING)) {
      // "on" follows the site: site b must not match a migration to site b2
      return this == UNDO || why.contains(MIGRATING + site + " on ") ? Optional.of(why) : Optional.empty();
    }
    if (code == Status.Code.ABORTED && why.contains(": the migration was taken over by ")) {
      return Optional.of(why);   // the primary asked lost the volume mid-way, and the next one carries it on
    }
    return Optional.empty();
  }

  /** Between two asks: stops the wait if the task should no longer wait (see each kind). */
  void check(TaskContext ctx) {
    if (this == FORWARD) {
      ctx.checkpoint();
    } else {
      ctx.fence();
    }
  }
}
