//! A long-running workload's probes, all on its one HTTP health endpoint:
//! a patient startup probe, then readiness (in or out of the Services and
//! load balancers) and liveness (restart a wedged server).

use crate::check::serving::STARTUP_PERIOD_SECONDS;
use crate::model::Health;
use k8s_openapi::api::core::v1::{HTTPGetAction, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// How long one probe request may take. Model servers answer `/health`
/// from their event loop, which a long prefill can hold for seconds; one
/// second (Kubernetes' default) would count a busy server as down.
const TIMEOUT_SECONDS: i32 = 5;

/// Readiness: every 5 s, out of the endpoints after 3 misses (15 s), back
/// after one answer.
const READY_PERIOD_SECONDS: i32 = 5;
const READY_FAILURES: i32 = 3;

/// Liveness: every 10 s, restarted after 6 misses in a row (a minute).
/// Restarting a model server costs a reload of minutes, so only a server
/// that stays silent for a minute is restarted; readiness has long since
/// taken it out of the traffic.
const LIVE_PERIOD_SECONDS: i32 = 10;
const LIVE_FAILURES: i32 = 6;

fn probe(h: &Health, period: i32, failures: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction {
            path: Some(h.path.clone()),
            port: IntOrString::String(h.port.clone()),
            ..Default::default()
        }),
        failure_threshold: Some(failures),
        period_seconds: Some(period),
        timeout_seconds: Some(TIMEOUT_SECONDS),
        ..Default::default()
    }
}

/// The startup probe: asks every [`STARTUP_PERIOD_SECONDS`] for as many
/// periods as the startup timeout holds (rounded up), and holds back the
/// other two probes until it first succeeds.
pub(super) fn startup(h: &Health) -> Probe {
    let failures = h.startup_seconds.div_ceil(STARTUP_PERIOD_SECONDS);
    probe(
        h,
        i32::try_from(STARTUP_PERIOD_SECONDS).unwrap_or(10),
        i32::try_from(failures).unwrap_or(i32::MAX),
    )
}

pub(super) fn readiness(h: &Health) -> Probe {
    let mut p = probe(h, READY_PERIOD_SECONDS, READY_FAILURES);
    p.success_threshold = Some(1);
    p
}

pub(super) fn liveness(h: &Health) -> Probe {
    probe(h, LIVE_PERIOD_SECONDS, LIVE_FAILURES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health(startup_seconds: u32) -> Health {
        Health {
            path: "/health".into(),
            port: "http".into(),
            startup_seconds,
        }
    }

    /// The startup probe's patience (periods x failures) is the timeout,
    /// rounded up to a whole period, and never less.
    #[test]
    fn the_startup_probe_waits_the_startup_timeout() {
        for secs in [10, 11, 90, 1200, 1800, 3600, 86_400] {
            let p = startup(&health(secs));
            let waited = p.period_seconds.unwrap_or(0) * p.failure_threshold.unwrap_or(0);
            let waited = u32::try_from(waited).unwrap_or(0);
            assert!(waited >= secs && waited < secs + 10, "{secs}: {waited}");
        }
        assert_eq!(startup(&health(1800)).failure_threshold, Some(180));
    }

    #[test]
    fn all_three_ask_the_same_endpoint_by_port_name() {
        let h = health(1800);
        for p in [startup(&h), readiness(&h), liveness(&h)] {
            let get = p.http_get.unwrap_or_default();
            assert_eq!(get.path.as_deref(), Some("/health"));
            assert_eq!(get.port, IntOrString::String("http".into()));
            assert!(p.timeout_seconds <= p.period_seconds);
        }
        // Out of the traffic before it is restarted.
        let (r, l) = (readiness(&h), liveness(&h));
        let window = |p: &Probe| p.period_seconds.unwrap_or(0) * p.failure_threshold.unwrap_or(0);
        assert!(window(&r) < window(&l));
    }
}
