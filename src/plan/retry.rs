//! How long to wait before the next try, within the deadline. The clock and
//! the random jitter are the caller's: every function here takes the time
//! that is left (`None`: no deadline) and a jitter in [0, 1).

use std::time::Duration;

/// Delays and limits of retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// A `Retry-After` longer than this is shortened to it.
    pub retry_after_cap: Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            backoff_base: Duration::from_millis(1000),
            backoff_cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(120),
            max_attempts: 8,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Sleep this long, then try again.
    Retry(Duration),
    /// Every attempt is used.
    OutOfAttempts,
    /// The deadline is reached, or would be before the next try.
    Deadline,
    /// The server asked to wait this long, which is past the deadline.
    RetryAfterPastDeadline(Duration),
}

impl RetryPolicy {
    /// Exponential backoff with jitter (50-100% of the exponential step),
    /// bounded, and never shorter than a (bounded) `Retry-After`.
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.backoff_cap);
        let d = exp.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        match retry_after {
            Some(ra) => d.max(ra.min(self.retry_after_cap)),
            None => d,
        }
    }

    /// After failed attempt number `attempt` (from 1) of one request.
    pub fn next(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        remaining: Option<Duration>,
        jitter: f64,
    ) -> Next {
        if attempt >= self.max_attempts {
            return Next::OutOfAttempts;
        }
        self.within(attempt, retry_after, remaining, jitter)
    }

    /// Like [`RetryPolicy::next`] without a limit on attempts, for waiting
    /// out a state that ends by itself (another operation on the cluster):
    /// only the deadline ends it.
    pub fn within(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        remaining: Option<Duration>,
        jitter: f64,
    ) -> Next {
        let delay = self.backoff(attempt, retry_after, jitter);
        match remaining {
            None => Next::Retry(delay),
            Some(left) if left.is_zero() => Next::Deadline,
            Some(left) => match retry_after {
                Some(ra) if ra >= left => Next::RetryAfterPastDeadline(ra),
                // A try right at the deadline would have no time to answer.
                _ if delay >= left => Next::Deadline,
                _ => Next::Retry(delay),
            },
        }
    }
}

/// The timeout of one request: the per-request limit, shortened to what is
/// left of the deadline; `None` when nothing is left.
pub fn request_timeout(per_request: Duration, remaining: Option<Duration>) -> Option<Duration> {
    match remaining {
        None => Some(per_request),
        Some(left) if left.is_zero() => None,
        Some(left) => Some(per_request.min(left)),
    }
}

/// A poll interval shortened to what is left of the deadline; `None` when
/// nothing is left.
pub fn poll_delay(poll: Duration, remaining: Option<Duration>) -> Option<Duration> {
    request_timeout(poll, remaining)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn backoff_grows_is_bounded_jittered_and_honours_retry_after() {
        let p = RetryPolicy::default();
        for attempt in 1..30 {
            let step = p
                .backoff_base
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(p.backoff_cap);
            assert_eq!(p.backoff(attempt, None, 0.0), step / 2, "attempt {attempt}");
            assert_eq!(p.backoff(attempt, None, 1.0), step, "attempt {attempt}");
            let mid = p.backoff(attempt, None, 0.5);
            assert!(mid > step / 2 && mid < step, "attempt {attempt}: {mid:?}");
        }
        assert_eq!(p.backoff(1, Some(secs(7)), 0.0), secs(7));
        assert_eq!(p.backoff(1, Some(secs(100_000)), 0.0), p.retry_after_cap);
    }

    #[test]
    fn retries_stop_at_the_attempt_limit_and_at_the_deadline() {
        let p = RetryPolicy::default();
        assert_eq!(p.next(1, None, None, 0.0), Next::Retry(secs(1) / 2));
        assert_eq!(p.next(8, None, None, 0.0), Next::OutOfAttempts);
        assert_eq!(p.next(1, None, Some(Duration::ZERO), 0.0), Next::Deadline);
        // The next try would come after the deadline.
        assert_eq!(p.next(6, None, Some(secs(5)), 0.0), Next::Deadline);
        assert_eq!(
            p.next(1, None, Some(secs(5)), 0.0),
            Next::Retry(secs(1) / 2)
        );
    }

    #[test]
    fn a_retry_after_past_the_deadline_is_not_honoured() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.next(1, Some(secs(3600)), Some(secs(5)), 0.0),
            Next::RetryAfterPastDeadline(secs(3600))
        );
        assert_eq!(
            p.next(1, Some(secs(2)), Some(secs(5)), 0.0),
            Next::Retry(secs(2))
        );
    }

    #[test]
    fn waiting_out_a_busy_cluster_ends_only_at_the_deadline() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.within(50, None, Some(secs(600)), 0.0),
            Next::Retry(secs(15))
        );
        assert_eq!(p.within(50, None, Some(secs(10)), 0.0), Next::Deadline);
    }

    #[test]
    fn request_timeouts_and_polls_end_at_the_deadline() {
        assert_eq!(request_timeout(secs(60), None), Some(secs(60)));
        assert_eq!(request_timeout(secs(60), Some(secs(3))), Some(secs(3)));
        assert_eq!(request_timeout(secs(60), Some(Duration::ZERO)), None);
        assert_eq!(poll_delay(secs(5), Some(secs(1))), Some(secs(1)));
    }
}
