//! Natively, large inputs are worked on in two halves on two threads. The
//! results are returned in order, so callers merge them into exactly what
//! the sequential loop produces. The wasm module has one thread.

use std::ops::Range;

/// From this many items on: spawning a thread costs tens of microseconds,
/// as much as a whole small compile.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) const FROM: usize = 64;

/// `f` over the two halves of `0..n`: `(first, Some(second))`, or
/// `(f(0..n), None)` when `n` is small (and always in wasm).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn halves<U: Send>(n: usize, f: &(dyn Fn(Range<usize>) -> U + Sync)) -> (U, Option<U>) {
    if n < FROM || forced_sequential() {
        return (f(0..n), None);
    }
    let (first, second) = beside(|| f(n / 2..n), || f(0..n / 2));
    // No thread to be had: this one does the second half too.
    (first, Some(second.unwrap_or_else(|| f(n / 2..n))))
}

/// `here` on this thread while `there` runs on another: `(here's result,
/// Some(there's))`, or `None` for `there` when no thread could be had
/// (limits, sandboxes), and then its work is the caller's.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn beside<A: Send, B>(
    there: impl FnOnce() -> A + Send,
    here: impl FnOnce() -> B,
) -> (B, Option<A>) {
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new().spawn_scoped(scope, there).ok();
        let mine = here();
        let theirs = helper.map(|h| match h.join() {
            Ok(v) => v,
            // The work does not panic (tests/no_panic.rs); if it ever did,
            // the panic is the caller's, as on the sequential path.
            Err(panic) => std::panic::resume_unwind(panic),
        });
        (mine, theirs)
    })
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn halves<U>(n: usize, f: &dyn Fn(Range<usize>) -> U) -> (U, Option<U>) {
    (f(0..n), None)
}

#[cfg(test)]
thread_local! {
    /// Tests compare the two-thread results with the sequential ones.
    pub(crate) static SEQUENTIAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(all(test, not(target_arch = "wasm32")))]
fn forced_sequential() -> bool {
    SEQUENTIAL.with(std::cell::Cell::get)
}

#[cfg(all(not(test), not(target_arch = "wasm32")))]
fn forced_sequential() -> bool {
    false
}
