package org.snipblock.node.http;

import java.util.List;

/** What {@code /api/state} returns and the dashboard draws: one consistent read of the view. */
record DashboardState(long atMillis, OperatorView.Cluster cluster, List<OperatorView.Volume> volumes,
    List<OperatorView.Task> tasks) {
  DashboardState(OperatorView view) {
    this(System.currentTimeMillis(), view.cluster(), view.volumes(), view.tasks());
  }
}
