package org.snipblock.store;

/**
 * How far a volume's background job (a flatten) has come.
 *
 * @param snippetsDone  snippets finished of {@code snippetsTotal}
 * @param bytesCopied   data copied so far
 * @param failure       why it stopped, or null
 */
public record BackgroundProgress(String purpose, long snippetsDone, long snippetsTotal, long bytesCopied,
    boolean running, String failure) {}
