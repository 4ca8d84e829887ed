package org.snipblock.adapter.placement;

import org.snipblock.node.OperatorError;

/** No host can take the VM; the message says why and what would fit. */
public final class NoPlacement extends OperatorError {
  public NoPlacement(String message) {
    super(message);
  }
}
