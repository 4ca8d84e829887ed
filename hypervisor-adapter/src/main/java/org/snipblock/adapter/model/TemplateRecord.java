package org.snipblock.adapter.model;

/**
 * A template: a read-only volume and the snapshot of it that system disks are cloned from, with what
 * best-match needs (OS, minimum disk) and an optional direct boot.
 */
public record TemplateRecord(String name, String volume, String snapshot, String os, long sizeBytes,
    long minDiskBytes, String kernel, String initrd, String append) {}
