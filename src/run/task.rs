//! The record of a run's tasks (`task(name, || …)`) and of its hooks (`on_failure`,
//! `finally`), for the summary and the report.

/// How a task ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TaskStatus {
    Ok,
    Failed,
    /// Still running when the run was stopped (deadline, signal, exit).
    Interrupted,
}

impl TaskStatus {
    /// The name in the report and in JSON events.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            TaskStatus::Ok => "ok",
            TaskStatus::Failed => "failed",
            TaskStatus::Interrupted => "interrupted",
        }
    }
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

/// How a hook handler ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HookStatus {
    Ok,
    Failed,
    /// The hooks' budget ran out while it ran.
    Timeout,
    /// A second SIGTERM or SIGINT stopped it.
    Interrupted,
    /// Never started: the budget was spent or a second signal came first.
    Skipped,
}

impl HookStatus {
    /// The name in the report.
    pub(crate) fn name(self) -> &'static str {
        match self {
            HookStatus::Ok => "ok",
            HookStatus::Failed => "failed",
            HookStatus::Timeout => "timeout",
            HookStatus::Interrupted => "interrupted",
            HookStatus::Skipped => "skipped",
        }
    }
}

/// One hook handler's record.
#[derive(Clone, Debug)]
pub(crate) struct HookRecord {
    /// `on_failure` or `finally`.
    pub kind: &'static str,
    pub status: HookStatus,
    pub duration_ms: u64,
    pub error: Option<String>,
}

/// All tasks of a run, in start order, and its hooks, in the order they ran.
#[derive(Default, Debug)]
pub(crate) struct TaskLog {
    pub tasks: Vec<TaskRecord>,
    pub hooks: Vec<HookRecord>,
}

impl TaskLog {
    /// The task the run was in when it ended: the last one started that did not end well
    /// (failed, or still open when the run was stopped), if any.
    pub(crate) fn current(&self) -> Option<&str> {
        self.tasks
            .iter()
            .rev()
            .find(|t| t.status != TaskStatus::Ok)
            .map(|t| t.name.as_str())
    }

    /// The summary's lines for the hooks (`  ✔ on_failure     0.31s`), names padded to `width`.
    pub(crate) fn hook_lines(&self, width: usize) -> String {
        let mut text = String::new();
        for h in &self.hooks {
            let mark = match h.status {
                HookStatus::Ok => "✔",
                HookStatus::Failed => "✘",
                HookStatus::Timeout | HookStatus::Interrupted | HookStatus::Skipped => "⏹",
            };
            let pad = width.saturating_sub(h.kind.chars().count());
            text.push_str(&format!(
                "\n  {mark} {}{} {:>8.2}s",
                h.kind,
                " ".repeat(pad),
                h.duration_ms as f64 / 1000.0
            ));
            match (&h.error, h.status) {
                (Some(err), _) => {
                    text.push_str("  ");
                    text.push_str(err.lines().next().unwrap_or(""));
                }
                (None, HookStatus::Ok) => {}
                (None, status) => {
                    text.push_str("  ");
                    text.push_str(status.name());
                }
            }
        }
        text
    }
}
