//! Where the script runs, and how much stack it may use there.
//!
//! A run evaluates on the main thread when the main stack can hold the sandbox's limits
//! (starting a thread costs ~0.15 ms of a 1.2 ms run); otherwise on a thread with a
//! large stack. Either way a [`StackGuard`] measures the stack in use between two
//! operations and stops the script well before it could overflow, so a script ends with a
//! clear error and code 1, never a crash.

/// The deepest script the limits allow (256 nested calls, each with the deepest expressions)
/// measured 2.6 MiB of stack; below this budget the main thread is not used.
pub(crate) const MIN_MAIN_BUDGET: usize = 4 << 20;
/// Kept free under the budget for host functions called at the deepest point (HTTP, regex).
const RESERVE: usize = 1 << 20;
/// The most a run uses of a larger (or unlimited) main stack.
const MAX_MAIN_STACK: usize = 64 << 20;

/// The stack budget left on the main thread, if it is large enough to run a script on:
/// `RLIMIT_STACK` (capped at 64 MiB), less what is already used above this frame (arguments,
/// environment, the frames down to here) and a reserve for host calls.
pub(crate) fn main_thread_budget() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit(2) writes one rlimit struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } != 0 {
        return None;
    }
    let soft = if limit.rlim_cur == libc::RLIM_INFINITY {
        MAX_MAIN_STACK
    } else {
        usize::try_from(limit.rlim_cur).ok()?.min(MAX_MAIN_STACK)
    };
    let used = stack_top()?.checked_sub(stack_pointer())?;
    let budget = soft.checked_sub(used)?.checked_sub(RESERVE)?;
    (budget >= MIN_MAIN_BUDGET).then_some(budget)
}

/// The budget on a thread of `size` bytes of stack.
pub(crate) fn thread_budget(size: usize) -> usize {
    size.saturating_sub(RESERVE)
}

/// The highest address of the main thread's stack: the kernel places the executable's name
/// (`AT_EXECFN`) at its very top, above the environment and arguments.
fn stack_top() -> Option<usize> {
    // SAFETY: getauxval(3) only reads the auxiliary vector.
    let name = unsafe { libc::getauxval(libc::AT_EXECFN) } as usize;
    if name == 0 {
        return None;
    }
    // SAFETY: AT_EXECFN is a NUL-terminated string the kernel wrote for this process.
    let len = unsafe { libc::strlen(name as *const libc::c_char) };
    Some(name + len + 1)
}

/// An address in the current frame: how deep the stack is here.
#[inline(always)]
fn stack_pointer() -> usize {
    let here = 0u8;
    std::hint::black_box(&here) as *const u8 as usize
}

/// Measures the stack used since it was made, against a budget.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StackGuard {
    base: usize,
    budget: usize,
}

impl StackGuard {
    /// A guard whose zero is the caller's frame.
    #[inline(always)]
    pub(crate) fn here(budget: usize) -> Self {
        StackGuard {
            base: stack_pointer(),
            budget,
        }
    }

    /// The bytes in use, when they are over the budget.
    #[inline]
    pub(crate) fn over(&self) -> Option<(usize, usize)> {
        let used = self.base.saturating_sub(stack_pointer());
        (used > self.budget).then_some((used, self.budget))
    }
}
