package org.snipblock.adapter.control;

/**
 * One step of a task and how to take it back. Both run again after a controller restart whenever it
 * is unsure whether they finished, so each must be harmless the second time (create what is missing,
 * delete what is there).
 */
public interface Step {
  String name();

  void apply(TaskContext task);

  void undo(TaskContext task);

  static Step of(String name, java.util.function.Consumer<TaskContext> apply, java.util.function.Consumer<TaskContext> undo) {
    return new Step() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void apply(TaskContext task) {
        apply.accept(task);
      }

      @Override
      public void undo(TaskContext task) {
        undo.accept(task);
      }
    };
  }
}
