package org.snipblock.iscsi;

import java.util.Set;

/**
 * Who may log in to one target and how they prove it.
 *
 * @param chap              the secret initiators must prove (one-way CHAP), or null for none
 * @param mutual            the secret the target proves to the initiator (mutual CHAP), or null
 * @param allowedInitiators initiator IQNs allowed in; empty means every initiator
 */
public record TargetAccess(ChapSecret chap, ChapSecret mutual, Set<String> allowedInitiators) {
  public static final TargetAccess OPEN = new TargetAccess(null, null, Set.of());

  public TargetAccess {
    allowedInitiators = Set.copyOf(allowedInitiators);
    if (mutual != null && chap == null) {
      throw new IllegalArgumentException("mutual CHAP needs one-way CHAP too");
    }
  }

  public boolean admits(String initiatorName) {
    return allowedInitiators.isEmpty() || allowedInitiators.contains(initiatorName);
  }
}
