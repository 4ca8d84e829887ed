package org.snipblock.iscsi.alua;

/** A network portal that serves a target: "host:port" and the portal group tag it belongs to. */
public record Portal(String address, int tag) {
  /** As SendTargets reports it (RFC 7143 section 13.8): {@code host:port,tag}. */
  public String targetAddress() {
    return address + "," + tag;
  }
}
