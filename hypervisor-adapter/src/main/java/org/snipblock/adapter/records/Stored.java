package org.snipblock.adapter.records;

/** A record's value as read, with the version a compare-and-set must name to change it. */
public record Stored<T>(String key, T value, long version) {}
