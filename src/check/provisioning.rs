//! Where a pool's machines come from: on-demand, spot, flex-start, queued
//! provisioning or a reservation (`capacity`, `spot`, `reservation`,
//! `maxRunDuration`), resolved into one [`Capacity`], with the rules GKE and
//! Compute Engine enforce when the pool is created checked beforehand.
//! (gcloud sends `--flex-start --spot` and lets the API refuse it.)
//!
//! Sources: GKE "About flex-start provisioning mode" and "Run a large-scale
//! workload with flex-start with queued provisioning" (the documented pool:
//! `--flex-start [--enable-queued-provisioning] --enable-autoscaling
//! --num-nodes=0 --location-policy=ANY --reservation-affinity=none
//! --no-enable-autorepair`; TPU v3 and v4 not supported; GPUs from cluster
//! version 1.32.2-gke.1652000, TPUs from 1.33.0-gke.1712000); Compute
//! Engine "About Flex-start VMs" (every accelerator-optimized machine type
//! except A4X and G4, and H4D; at most seven days of run time); GKE
//! "Consuming reserved zonal resources" (`--reservation-affinity` and the
//! `[projects/OWNER/reservations/]NAME[/reservationBlocks/BLOCK]` value).
//!
//! The `reservation` value and its rules are in [`reservation`], the GKE
//! version gates in [`version`].

mod reservation;
mod version;

pub(super) use version::{check_version, older_than};

use super::{at, Checker};
use crate::catalog::Machine;
use crate::diag::codes;
use crate::model::{Capacity, Reservation};
use crate::spec::{self, Placement};
use reservation::{parse_reservation, reservation_rules, BadTarget, Target};

/// Longest `maxRunDuration`: a flex-start VM runs at most seven days.
pub const MAX_RUN_DURATION_MAX_SECS: u64 = 7 * 86_400;
/// Shortest `maxRunDuration`: Compute Engine's lower bound for a VM's
/// maximum run duration.
pub const MAX_RUN_DURATION_MIN_SECS: u64 = 30;

/// Accelerator-optimized families flex-start VMs are not offered for
/// (Compute Engine "About Flex-start VMs").
const NO_FLEX_START: &[&str] = &["a4x-", "g4-"];

/// Seconds in a duration written as days, hours, minutes and seconds, each
/// at most once and in that order: `7d`, `12h`, `90m`, `3600s`, `1d12h`.
pub fn parse_duration(s: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut rest = s;
    let mut units = "dhms";
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let unit = rest[digits..].chars().next()?;
        if digits == 0 {
            return None;
        }
        let at = units.find(unit)?;
        units = &units[at + 1..];
        let n: u64 = rest[..digits].parse().ok()?;
        let per = match unit {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            _ => 1,
        };
        total = total.checked_add(n.checked_mul(per)?)?;
        rest = &rest[digits + unit.len_utf8()..];
    }
    Some(total)
}

fn capacity_name(c: spec::Capacity) -> &'static str {
    match c {
        spec::Capacity::OnDemand => "on-demand",
        spec::Capacity::Spot => "spot",
        spec::Capacity::FlexStart => "flex-start",
        spec::Capacity::Queued => "queued",
        spec::Capacity::Reservation => "reservation",
    }
}

fn has_prefix(machine_type: &str, families: &[&str]) -> bool {
    families.iter().any(|f| machine_type.starts_with(f))
}

/// What the pool's other fields already resolved to, that the capacity
/// rules depend on.
pub(super) struct PoolShape<'a> {
    pub machine: Option<&'a Machine>,
    pub autoscaling: Option<(u32, u32)>,
    pub zone_count: u32,
    /// Hosts of one TPU slice (1 for single-host slices and non-TPU pools).
    pub tpu_hosts: u32,
    /// The nodes have GPUs (built in, or attached to N1).
    pub gpu: bool,
    /// The cluster's region (for examples of zones in help).
    pub region: &'a str,
}

/// Resolve the pool's capacity and `maxRunDuration` (seconds), reporting
/// every contradiction at the field that makes it.
pub(super) fn resolve(
    checker: &mut Checker,
    path: &str,
    p: &spec::NodePool,
    shape: &PoolShape,
) -> (Capacity, Option<u64>) {
    let res_path = at(path, ".reservation");
    let spot_path = at(path, ".spot");
    let cap_path = at(path, ".capacity");
    let target = match p.reservation.as_deref().map(parse_reservation) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(BadTarget::AnyWithBlock)) => {
            checker.err(
                codes::ANY_RESERVATION_BLOCK,
                &res_path,
                format!("`{}`: `any` means any matching reservation, which has no blocks", p.reservation.as_deref().unwrap_or_default()),
                Some("write `any`, or name the reservation whose block the nodes take: `NAME/reservationBlocks/BLOCK`".to_string()),
            );
            None
        }
        Some(Err(BadTarget::Syntax(why))) => {
            checker.err(
                codes::RESERVATION_NAME,
                &res_path,
                format!(
                    "`{}` is not a reservation",
                    p.reservation.as_deref().unwrap_or_default()
                ),
                Some(format!("{why}; or `any` / `none`")),
            );
            None
        }
    };
    let malformed = p.reservation.is_some() && target.is_none();
    let names_one = matches!(target, Some(Target::Any | Target::Specific { .. }));
    let no_reservation = target == Some(Target::None);

    // One capacity: the explicit one, else what `spot` / `reservation` say.
    let kind = match p.capacity {
        Some(c) => {
            match (c, p.spot) {
                (spec::Capacity::Spot, Some(false)) => checker.err(
                    codes::CAPACITY_SPOT,
                    &spot_path,
                    "`spot: false` contradicts `capacity: spot`",
                    Some("remove `spot`; `capacity` says it".to_string()),
                ),
                (c, Some(true)) if c != spec::Capacity::Spot => {
                    let why = match c {
                        spec::Capacity::FlexStart | spec::Capacity::Queued => format!(
                            "; {} VMs come from Dynamic Workload Scheduler and are never Spot VMs (GKE refuses both at once)",
                            capacity_name(c)
                        ),
                        _ => String::new(),
                    };
                    checker.err(
                        codes::CAPACITY_SPOT,
                        &spot_path,
                        format!(
                            "`spot: true` contradicts `capacity: {}`{why}",
                            capacity_name(c)
                        ),
                        Some(
                            "keep one: remove `spot: true`, or write `capacity: spot`".to_string(),
                        ),
                    );
                }
                _ => {}
            }
            match c {
                spec::Capacity::Reservation if !names_one && !malformed => {
                    checker.err(
                        codes::RESERVATION_MISSING,
                        if p.reservation.is_some() { &res_path } else { &cap_path },
                        "`capacity: reservation` needs the reservation to consume",
                        Some("add `reservation: NAME` (or `NAME/reservationBlocks/BLOCK`), or `reservation: any` for any matching one".to_string()),
                    );
                }
                spec::Capacity::Reservation => {}
                other if names_one => {
                    let why = match other {
                        spec::Capacity::FlexStart | spec::Capacity::Queued => format!(
                            "{} pools consume no reservation (GKE creates them with NO_RESERVATION)",
                            capacity_name(other)
                        ),
                        _ => format!("a `capacity: {}` pool does not consume one", capacity_name(other)),
                    };
                    checker.err(
                        codes::CAPACITY_RESERVATION,
                        &res_path,
                        format!(
                            "`reservation: {}`: {why}",
                            p.reservation.as_deref().unwrap_or_default()
                        ),
                        Some("write `capacity: reservation`, or remove `reservation`".to_string()),
                    );
                }
                _ => {}
            }
            c
        }
        None => {
            if p.spot == Some(true) && names_one {
                checker.err(
                    codes::SPOT_RESERVATION,
                    &res_path,
                    "a spot pool cannot consume a reservation",
                    Some("remove `spot: true` or `reservation`".to_string()),
                );
            }
            if p.spot == Some(true) {
                spec::Capacity::Spot
            } else if names_one {
                spec::Capacity::Reservation
            } else {
                spec::Capacity::OnDemand
            }
        }
    };
    let capacity = match kind {
        spec::Capacity::OnDemand => Capacity::OnDemand { no_reservation },
        spec::Capacity::Spot => Capacity::Spot { no_reservation },
        spec::Capacity::FlexStart => Capacity::FlexStart,
        spec::Capacity::Queued => Capacity::Queued,
        spec::Capacity::Reservation => Capacity::Reservation(match &target {
            Some(Target::Specific { value, .. }) => Reservation::Specific(value.clone()),
            _ => Reservation::Any,
        }),
    };

    if let Some(Target::Specific {
        value,
        block,
        sub_block,
    }) = &target
    {
        reservation_rules(checker, path, p, shape, value, *block, *sub_block);
    }
    if capacity.is_dws() {
        dws_rules(checker, path, p, shape, kind);
    }

    // maxRunDuration.
    let mrd_path = at(path, ".maxRunDuration");
    let max_run = p.max_run_duration.as_deref().and_then(|d| {
        let secs = parse_duration(d);
        match secs {
            None => {
                let help = if d.bytes().all(|b| b.is_ascii_digit()) && !d.is_empty() {
                    format!("give the unit: `{d}s` for seconds (or minutes `m`, hours `h`, days `d`)")
                } else {
                    "days, hours, minutes and seconds, in that order: `7d`, `12h`, `90m`, `3600s`, `1d12h`".to_string()
                };
                checker.err(
                    codes::MAX_RUN_DURATION,
                    &mrd_path,
                    format!("`{d}` is not a duration"),
                    Some(help),
                );
            }
            Some(s) if !(MAX_RUN_DURATION_MIN_SECS..=MAX_RUN_DURATION_MAX_SECS).contains(&s) => {
                checker.err(
                    codes::MAX_RUN_DURATION,
                    &mrd_path,
                    format!("maxRunDuration `{d}` is {s}s; it must be from 30s to 7d (604800s)"),
                    Some(if s > MAX_RUN_DURATION_MAX_SECS {
                        "a flex-start VM runs at most seven days: use `7d` or less (or leave it out: GKE's default is 7 days)".to_string()
                    } else {
                        "Compute Engine needs at least 30 seconds".to_string()
                    }),
                );
            }
            Some(_) => {}
        }
        secs
    });
    if p.max_run_duration.is_some() && !capacity.is_dws() {
        checker.err(
            codes::MAX_RUN_DURATION_CAPACITY,
            &mrd_path,
            format!(
                "maxRunDuration is for flex-start and queued pools, but pool `{}` is `capacity: {}`",
                p.name,
                capacity_name(kind)
            ),
            Some(
                "write `capacity: flex-start` (or `queued`), or remove `maxRunDuration`"
                    .to_string(),
            ),
        );
    }
    (capacity, max_run)
}

fn dws_rules(
    checker: &mut Checker,
    path: &str,
    p: &spec::NodePool,
    shape: &PoolShape,
    kind: spec::Capacity,
) {
    let name = capacity_name(kind);
    // Size: from 0, by the autoscaler.
    if p.nodes.is_some() {
        checker.err(
            codes::DWS_SIZE,
            &at(path, ".nodes"),
            format!("a {name} pool has no fixed size: GKE adds nodes when the capacity is there and removes them when they are idle"),
            Some("remove `nodes` and give `autoscaling: {min: 0, max: N}`".to_string()),
        );
    }
    match shape.autoscaling {
        None if p.nodes.is_none() => checker.err(
            codes::DWS_SIZE,
            &at(path, ".capacity"),
            format!("a {name} pool scales from 0 with the autoscaler, so it needs `autoscaling`"),
            Some("add `autoscaling: {min: 0, max: N}` (N nodes per zone at most)".to_string()),
        ),
        Some((min, _)) if min > 0 => checker.err(
            codes::DWS_SIZE,
            &at(path, ".autoscaling.min"),
            format!("a {name} pool scales from 0, but autoscaling min is {min}"),
            Some("use `min: 0`; nodes come when pods ask for them".to_string()),
        ),
        _ => {}
    }
    if kind == spec::Capacity::Queued && p.placement == Some(Placement::Compact) {
        checker.err(
            codes::QUEUED_COMPACT,
            &at(path, ".placement"),
            "a queued pool cannot use compact placement",
            Some("remove `placement: compact`; queued provisioning obtains all nodes of a request at once, in one zone".to_string()),
        );
    }
    // Machine types Dynamic Workload Scheduler offers.
    let mt = &p.machine_type;
    let mt_path = at(path, ".machineType");
    if has_prefix(mt, NO_FLEX_START) {
        checker.err(
            codes::DWS_MACHINE,
            &mt_path,
            format!("flex-start VMs are not offered for `{mt}`, so it cannot be a {name} pool"),
            Some("Compute Engine offers flex-start for accelerator-optimized machines except A4X and G4; use a reservation for these".to_string()),
        );
    } else if let Some(m) = shape.machine {
        if let Some(t) = m.tpu {
            if t.family == "v4" {
                checker.err(
                    codes::DWS_MACHINE,
                    &mt_path,
                    format!("GKE does not support {name} for TPU v4 (`{mt}`)"),
                    Some("flex-start takes TPU v5e, v5p and v6e".to_string()),
                );
            } else if kind == spec::Capacity::FlexStart && shape.tpu_hosts > 1 {
                checker.warn(
                    codes::FLEX_START_MULTI_HOST,
                    &at(path, ".capacity"),
                    format!("GKE documents flex-start for single-host TPU slices; pool `{}` is a {}-host slice", p.name, shape.tpu_hosts),
                    Some("use `capacity: queued` for multi-host slices, which obtains the slice's nodes all at once".to_string()),
                );
            }
        } else if !shape.gpu && !mt.starts_with("h4d-") {
            checker.err(
                codes::DWS_MACHINE,
                &mt_path,
                format!("`{mt}` has no GPUs or TPUs; flex-start VMs are for accelerator machines (and H4D)"),
                Some("use a GPU or TPU machine type, or `capacity: on-demand` / `spot`".to_string()),
            );
        } else if mt.starts_with("n1-") {
            checker.warn(
                codes::DWS_MACHINE,
                &mt_path,
                format!("Compute Engine offers flex-start VMs for accelerator-optimized machines; `{mt}` with attached GPUs may never get any"),
                Some(format!("use an accelerator-optimized type (g2, a2, a3, a4) for a {name} pool")),
            );
        }
    }
    // An unknown machine type was already warned about: nothing more to say.
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("7d"), Some(604_800));
        assert_eq!(parse_duration("12h"), Some(43_200));
        assert_eq!(parse_duration("90m"), Some(5_400));
        assert_eq!(parse_duration("3600s"), Some(3_600));
        assert_eq!(parse_duration("1d12h30m5s"), Some(131_405));
        for bad in [
            "", "7", "d", "7w", "1h1d", "1d1d", "7 d", "-1d", "1.5h", "s7",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(parse_duration("99999999999999999999d"), None);
    }
}
