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
    std::thread::scope(|scope| {
        let second = std::thread::Builder::new()
            .spawn_scoped(scope, || f(n / 2..n))
            .ok();
        let first = f(0..n / 2);
        let second = match second {
            Some(h) => match h.join() {
                Ok(v) => v,
                // The work does not panic (tests/no_panic.rs); if it ever
                // did, the panic is the caller's, as on the sequential path.
                Err(panic) => std::panic::resume_unwind(panic),
            },
            // No thread to be had (limits, sandboxes): this one does it.
            None => f(n / 2..n),
        };
        (first, Some(second))
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
