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

use super::validate::{dns1035, project_id};
use super::{at, Checker};
use crate::catalog::Machine;
use crate::diag::codes;
use crate::model::{Capacity, Reservation};
use crate::spec::{self, Placement};

/// Longest `maxRunDuration`: a flex-start VM runs at most seven days.
pub const MAX_RUN_DURATION_MAX_SECS: u64 = 7 * 86_400;
/// Shortest `maxRunDuration`: Compute Engine's lower bound for a VM's
/// maximum run duration.
pub const MAX_RUN_DURATION_MIN_SECS: u64 = 30;

/// Machine families whose reservations are made of blocks (dense
/// deployments of AI Hypercomputer): A3 Ultra, A4 and A4X. Only A4X blocks
/// have sub-blocks (one NVL72 domain each). Sources: Google Cloud AI
/// Hypercomputer terminology ("block", "sub-block") and its GKE guides,
/// which consume `RESERVATION/reservationBlocks/BLOCK` on a3-ultragpu-8g
/// and a4-highgpu-8g pools and
/// `.../reservationBlocks/BLOCK/reservationSubBlocks/SUB_BLOCK` on A4X.
const BLOCK_FAMILIES: &[&str] = &["a3-ultragpu-", "a4-highgpu-", "a4x-"];
const SUB_BLOCK_FAMILIES: &[&str] = &["a4x-"];

/// Accelerator-optimized families flex-start VMs are not offered for
/// (Compute Engine "About Flex-start VMs").
const NO_FLEX_START: &[&str] = &["a4x-", "g4-"];

/// A `reservation` value, read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// `none`: never a reservation.
    None,
    Any,
    Specific {
        value: String,
        block: bool,
        sub_block: bool,
    },
}

/// Why a `reservation` value is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BadTarget {
    /// `any/...`: `any` is every matching reservation, so it has no blocks.
    AnyWithBlock,
    Syntax(String),
}

fn parse_reservation(s: &str) -> Result<Target, BadTarget> {
    match s {
        "none" => return Ok(Target::None),
        "any" => return Ok(Target::Any),
        _ => {}
    }
    if s.starts_with("any/") {
        return Err(BadTarget::AnyWithBlock);
    }
    let name_rule = "reservation, block and sub-block names are lowercase letters, digits and '-', start with a letter and have at most 63 characters";
    let rest = match s.strip_prefix("projects/") {
        Some(shared) => {
            let Some((project, rest)) = shared.split_once("/reservations/") else {
                return Err(BadTarget::Syntax(
                    "a shared reservation is `projects/OWNER_PROJECT/reservations/NAME`".into(),
                ));
            };
            if !project_id(project) {
                return Err(BadTarget::Syntax(format!(
                    "`{project}` is not a GCP project id"
                )));
            }
            rest
        }
        None => s,
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let (block, sub_block) = match parts.as_slice() {
        [_] => (false, false),
        [_, "reservationBlocks", _] => (true, false),
        [_, "reservationBlocks", _, "reservationSubBlocks", _] => (true, true),
        _ => {
            return Err(BadTarget::Syntax(
                "write NAME, NAME/reservationBlocks/BLOCK or NAME/reservationBlocks/BLOCK/reservationSubBlocks/SUB_BLOCK".into(),
            ))
        }
    };
    if parts.iter().step_by(2).any(|n| !dns1035(n)) {
        return Err(BadTarget::Syntax(name_rule.into()));
    }
    Ok(Target::Specific {
        value: s.to_string(),
        block,
        sub_block,
    })
}

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

fn reservation_rules(
    checker: &mut Checker,
    path: &str,
    p: &spec::NodePool,
    shape: &PoolShape,
    value: &str,
    block: bool,
    sub_block: bool,
) {
    let res_path = at(path, ".reservation");
    let known = shape.machine.is_some() || has_prefix(&p.machine_type, BLOCK_FAMILIES);
    if block && known && !has_prefix(&p.machine_type, BLOCK_FAMILIES) {
        checker.err(
            codes::RESERVATION_BLOCK,
            &res_path,
            format!(
                "`{value}` names a reservation block, but reservations of `{}` have no blocks",
                p.machine_type
            ),
            Some("blocks exist in reservations of A3 Ultra (a3-ultragpu-8g), A4 (a4-highgpu-8g) and A4X machines; name the reservation alone".to_string()),
        );
    } else if sub_block && known && !has_prefix(&p.machine_type, SUB_BLOCK_FAMILIES) {
        checker.err(
            codes::RESERVATION_BLOCK,
            &res_path,
            format!(
                "`{value}` names a reservation sub-block, but reservation blocks of `{}` have no sub-blocks",
                p.machine_type
            ),
            Some("sub-blocks exist only in A4X reservations; name the block: `NAME/reservationBlocks/BLOCK`".to_string()),
        );
    }
    if shape.zone_count > 1 {
        checker.warn(
            codes::RESERVATION_ZONES,
            &res_path,
            format!(
                "a reservation is in one zone, but pool `{}` spans {} zones: nodes outside the reservation's zone cannot be created",
                p.name, shape.zone_count
            ),
            Some(format!("list the reservation's zone in `zones`, e.g. `zones: [{}-a]`", shape.region)),
        );
    }
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

/// The cluster version must be one where GKE supports flex-start (queued
/// pools are flex-start too): GPUs from 1.32.2-gke.1652000, TPUs from
/// 1.33.0-gke.1712000. A version given without its patch (`"1.32"`) is
/// taken to mean a patch GKE offers now, which is new enough.
pub(super) fn check_version(
    checker: &mut Checker,
    version: Option<&str>,
    pools: &[(String, &Capacity, bool)],
) {
    let Some(v) = version else { return };
    let Some(have) = version_key(v) else { return };
    for (path, capacity, tpu) in pools {
        if !capacity.is_dws() {
            continue;
        }
        let (need, text) = if *tpu {
            ((1, 33, Some(0), Some(1_712_000)), "1.33.0-gke.1712000")
        } else {
            ((1, 32, Some(2), Some(1_652_000)), "1.32.2-gke.1652000")
        };
        if older(have, need) {
            checker.err(
                codes::DWS_VERSION,
                &at(path, ".capacity"),
                format!("GKE supports this pool's capacity from version {text}, but `cluster.version` is {v}"),
                Some(format!("set `cluster.version` to \"{text}\" or later (or leave it out)")),
            );
        }
    }
}

/// Whether `cluster.version` `have` is older than GKE version `need`
/// (`1.32.1-gke.1357001`), as [`check_version`] compares them; false when
/// either does not parse.
pub(super) fn older_than(have: &str, need: &str) -> bool {
    match (version_key(have), version_key(need)) {
        (Some(h), Some(n)) => older(h, n),
        _ => false,
    }
}

type VersionKey = (u32, u32, Option<u32>, Option<u64>);

fn version_key(v: &str) -> Option<VersionKey> {
    let (base, gke) = match v.split_once("-gke.") {
        Some((b, g)) => (b, Some(g.parse().ok()?)),
        None => (v, None),
    };
    let mut parts = base.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next().map(str::parse).transpose().ok()?;
    Some((major, minor, patch, gke))
}

/// `have` is older than `need`, comparing only as far as `have` says.
fn older(have: VersionKey, need: VersionKey) -> bool {
    if (have.0, have.1) != (need.0, need.1) {
        return (have.0, have.1) < (need.0, need.1);
    }
    match (have.2, need.2) {
        (Some(hp), Some(np)) if hp != np => hp < np,
        (Some(_), _) => matches!((have.3, need.3), (Some(hg), Some(ng)) if hg < ng),
        (None, _) => false,
    }
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

    #[test]
    fn reservations() {
        assert_eq!(parse_reservation("none"), Ok(Target::None));
        assert_eq!(parse_reservation("any"), Ok(Target::Any));
        assert_eq!(
            parse_reservation("any/reservationBlocks/b"),
            Err(BadTarget::AnyWithBlock)
        );
        for (v, block, sub) in [
            ("my-res", false, false),
            ("my-res/reservationBlocks/my-res-block-0001", true, false),
            ("r/reservationBlocks/b/reservationSubBlocks/s", true, true),
            ("projects/other-proj/reservations/r", false, false),
            (
                "projects/other-proj/reservations/r/reservationBlocks/b",
                true,
                false,
            ),
        ] {
            assert_eq!(
                parse_reservation(v),
                Ok(Target::Specific {
                    value: v.to_string(),
                    block,
                    sub_block: sub
                }),
                "{v}"
            );
        }
        for bad in [
            "My-Res",
            "1res",
            "res-",
            "r/blocks/b",
            "r/reservationBlocks/",
            "r/reservationBlocks/B",
            "projects/x/reservations/r",
            "projects/other-proj/r",
            "r/reservationSubBlocks/s",
            "",
        ] {
            assert!(
                matches!(parse_reservation(bad), Err(BadTarget::Syntax(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn versions() {
        let need = (1, 32, Some(2), Some(1_652_000));
        for (v, old) in [
            ("1.31", true),
            ("1.32", false),
            ("1.32.1", true),
            ("1.32.2", false),
            ("1.32.2-gke.1000", true),
            ("1.32.2-gke.1652000", false),
            ("1.32.3-gke.1", false),
            ("1.33", false),
            ("2.0", false),
        ] {
            let have = version_key(v).expect("parses");
            assert_eq!(older(have, need), old, "{v}");
        }
        assert_eq!(version_key("latest"), None);
    }
}
