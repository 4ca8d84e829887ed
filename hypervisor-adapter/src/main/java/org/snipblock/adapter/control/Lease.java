package org.snipblock.adapter.control;

/** The controller lease on record: who acts, until when (its holder renews it well before). */
public record Lease(String holder, long expires) {
  static final long TTL_MILLIS = 10_000;
  static final long RENEW_MILLIS = 2_000;
}
