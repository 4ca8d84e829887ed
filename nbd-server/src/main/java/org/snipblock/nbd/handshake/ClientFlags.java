package org.snipblock.nbd.handshake;

/** The 32-bit client flags that open fixed newstyle negotiation. */
record ClientFlags(int flags) {}
