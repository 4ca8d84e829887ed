package org.snipblock.iscsi;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may log in to one target and how they prove it.
 *
 * @param chap              the secret initiators must prove (one-way CHAP), or null for none
 * @param mutual            the secret the target proves to the initiator (mutual CHAP), or null
 * @param allowedInitiators initiator IQNs allowed in (when restricted)
 * @param restricted        only the allowed initiators get in (none if the set is empty); false:
 *                          every initiator
 */
public record TargetAccess(ChapSecret chap, ChapSecret mutual, Set<String> allowedInitiators, boolean restricted) {
  public static final TargetAccess OPEN = new TargetAccess(null, null, Set.of());

  public TargetAccess {
    allowedInitiators = Set.copyOf(allowedInitiators);
    if (mutual != null && chap == null) {
      throw new IllegalArgumentException("mutual CHAP needs one-way CHAP too");
    }
  }

  /** As configured in a file: an empty list means every initiator. */
  public TargetAccess(ChapSecret chap, ChapSecret mutual, Set<String> allowedInitiators) {
    this(chap, mutual, allowedInitiators, !allowedInitiators.isEmpty());
  }

  public boolean admits(String initiatorName) {
    return !restricted || allowedInitiators.contains(initiatorName);
  }

  /** This access and another list both admitting: only initiators in both get in (none if none is). */
  public TargetAccess restrictedTo(Collection<String> initiators) {
    Set<String> both = new TreeSet<>(initiators);
    if (restricted) {
      both.retainAll(allowedInitiators);
    }
    return new TargetAccess(chap, mutual, both, true);
  }
}
