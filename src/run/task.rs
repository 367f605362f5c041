//! The record of a run's tasks (`task(name, || …)`), for the summary and the report.

/// How a task ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TaskStatus {
    Ok,
    Failed,
    /// Still running when the run was stopped (deadline, signal, exit).
    Interrupted,
}

/// One task's record.
#[derive(Clone, Debug)]
pub(crate) struct TaskRecord {
    pub name: String,
    pub status: TaskStatus,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub duration_ms: u64,
    pub error: Option<String>,
}

/// All tasks of a run, in start order.
#[derive(Default, Debug)]
pub(crate) struct TaskLog {
    pub tasks: Vec<TaskRecord>,
}
