//! Progress display (indicatif spinner on a terminal, one line per change
//! otherwise) and confirmations.

use super::SubmitError;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

pub struct Progress {
    bar: Option<ProgressBar>,
    last: String,
}

impl Progress {
    pub fn new(msg: &str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
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
            None => eprintln!("  {msg}"),
        }
    }

    pub fn finish(self, msg: &str) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        eprintln!("{msg}");
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
    eprint!("podwire will {what}. Continue? [y/N] ");
    let _ = std::io::stderr().flush();
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
