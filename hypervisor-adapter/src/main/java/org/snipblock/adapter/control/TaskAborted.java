package org.snipblock.adapter.control;

/** The operator asked to abort the task ({@code task abort}); its completed steps are undone. */
final class TaskAborted extends RuntimeException {
  TaskAborted() {
    super("aborted by the operator");
  }
}
