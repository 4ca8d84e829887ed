package org.snipblock.adapter;

import java.util.List;
import org.snipblock.adapter.model.HostRecord;
import org.snipblock.adapter.model.Kinds;
import org.snipblock.adapter.model.TaskRecord;
import org.snipblock.adapter.model.TemplateRecord;
import org.snipblock.adapter.model.VmRecord;
import org.snipblock.adapter.records.AdminNodes;
import org.snipblock.adapter.records.ClusterRecords;
import org.snipblock.adapter.records.RecordBook;

/**
 * Everything the adapter knows, all of it in the storage cluster: the VM, host, template and task
 * records, and the admin API for volumes and their access lists.
 */
public final class Inventory implements AutoCloseable {
  private final AdminNodes admin;
  private final ClusterRecords records;
  public final RecordBook<VmRecord> vms;
  public final RecordBook<HostRecord> hosts;
  public final RecordBook<TemplateRecord> templates;
  public final RecordBook<TaskRecord> tasks;

  public Inventory(List<String> adminTargets) {
    this.admin = new AdminNodes(adminTargets);
    this.records = new ClusterRecords(admin);
    this.vms = new RecordBook<>(records, Kinds.VM, VmRecord.class);
    this.hosts = new RecordBook<>(records, Kinds.HOST, HostRecord.class);
    this.templates = new RecordBook<>(records, Kinds.TEMPLATE, TemplateRecord.class);
    this.tasks = new RecordBook<>(records, Kinds.TASK, TaskRecord.class);
  }

  public AdminNodes admin() {
    return admin;
  }

  public ClusterRecords records() {
    return records;
  }

  @Override
  public void close() {
    admin.close();
  }
}
