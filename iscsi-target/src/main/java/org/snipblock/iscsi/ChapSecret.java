package org.snipblock.iscsi;

/** A CHAP name and secret (RFC 7143 section 12.1.3). */
public record ChapSecret(String user, String secret) {
  public ChapSecret {
    if (user == null || user.isEmpty() || secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("CHAP user and secret must be non-empty");
    }
  }

  @Override
  public String toString() {
    return "ChapSecret[user=" + user + "]";
  }
}
