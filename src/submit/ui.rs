//! Output: result lines on stdout, notes on stderr, progress (indicatif
//! spinner on a terminal, one line per change otherwise) and confirmations.
//!
//! Writing output never fails an operation: with a closed stdout
//! (`podwire delete ... | head -1`) the deletes must all still happen. A
//! failed write is remembered ([`output_lost`]) and otherwise ignored.
//!
//! An in-process caller (a test driving [`super::run::apply_objects`]) can
//! collect a thread's lines instead with [`capture`].

use super::SubmitError;
use indicatif::{ProgressBar, ProgressStyle};
use std::cell::RefCell;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static OUTPUT_LOST: AtomicBool = AtomicBool::new(false);

thread_local! {
    static CAPTURED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Run `f` with this thread's output collected, not written: its result,
/// and every line it printed, prefixed `out: ` (stdout) or `note: `
/// (stderr).
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let outer = CAPTURED.with(|c| c.borrow_mut().replace(Vec::new()));
    let r = f();
    let lines = CAPTURED.with(|c| std::mem::replace(&mut *c.borrow_mut(), outer));
    (r, lines.unwrap_or_default())
}

/// Whether the line was captured (then it is not written).
fn captured(prefix: &str, line: &str) -> bool {
    CAPTURED.with(|c| match c.borrow_mut().as_mut() {
        Some(lines) => {
            lines.push(format!("{prefix}{line}"));
            true
        }
        None => false,
    })
}

fn write_line(mut w: impl Write, line: &str) {
    if writeln!(w, "{line}").and_then(|()| w.flush()).is_err() {
        OUTPUT_LOST.store(true, Ordering::Relaxed);
    }
}

/// A line of the command's result, on stdout.
pub fn out(line: &str) {
    if captured("out: ", line) {
        return;
    }
    write_line(std::io::stdout().lock(), line);
}

/// A line of progress or a note, on stderr.
pub fn note(line: &str) {
    if captured("note: ", line) {
        return;
    }
    write_line(std::io::stderr().lock(), line);
}

/// Whether some output could not be written (stdout or stderr closed).
pub fn output_lost() -> bool {
    OUTPUT_LOST.load(Ordering::Relaxed)
}

pub struct Progress {
    bar: Option<ProgressBar>,
    last: String,
}

impl Progress {
    pub fn new(msg: &str) -> Progress {
        let capturing = CAPTURED.with(|c| c.borrow().is_some());
        let bar = (!capturing && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        let mut p = Progress {
            bar,
            last: String::new(),
        };
        p.set(msg);
        p
    }

    pub fn set(&mut self, msg: &str) {
        if msg == self.last {
            return;
        }
        self.last = msg.to_string();
        match &self.bar {
            Some(b) => b.set_message(msg.to_string()),
            None => note(&format!("  {msg}")),
        }
    }

    pub fn finish(self, msg: &str) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        note(msg);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Ask before doing `what`. `--yes` skips the question; without a terminal
/// (and without `--yes`) the answer is no.
pub fn confirm(what: &str, yes: bool) -> Result<(), SubmitError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(SubmitError::Refused(format!(
            "refusing to {what} without confirmation: standard input is not a terminal; pass --yes to proceed"
        )));
    }
    // A prompt that cannot be shown is answered below like any other.
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "podwire will {what}. Continue? [y/N] ").and_then(|()| err.flush());
    drop(err);
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|_| SubmitError::Aborted)?;
    match line.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(SubmitError::Aborted),
    }
}
