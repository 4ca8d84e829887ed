package org.snipblock.adapter.control;

/** This controller no longer holds the lease: it stops acting at once, and the next holder takes over. */
final class LeaseLost extends RuntimeException {
  LeaseLost() {
    super("the controller lease passed to another host");
  }
}
