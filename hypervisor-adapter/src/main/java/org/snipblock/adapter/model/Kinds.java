package org.snipblock.adapter.model;

/** The kinds of records the adapter keeps in the cluster, one place for their names. */
public final class Kinds {
  public static final String VM = "vm";
  public static final String HOST = "host";
  public static final String TEMPLATE = "template";
  public static final String TASK = "task";
  public static final String LEASE = "lease";

  private Kinds() {}
}
