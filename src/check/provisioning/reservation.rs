//! A pool's `reservation` value (`none`, `any`, a reservation, one of its
//! blocks or sub-blocks, or one shared from another project), read, and
//! the rules Compute Engine has for consuming it: blocks only on the
//! machine families whose reservations have them, and one zone.

use super::super::validate::{dns1035, project_id};
use super::super::{at, Checker};
use super::{has_prefix, PoolShape};
use crate::diag::codes;
use crate::spec;

/// Machine families whose reservations are made of blocks (dense
/// deployments of AI Hypercomputer): A3 Ultra, A4 and A4X. Only A4X blocks
/// have sub-blocks (one NVL72 domain each). Sources: Google Cloud AI
/// Hypercomputer terminology ("block", "sub-block") and its GKE guides,
/// which consume `RESERVATION/reservationBlocks/BLOCK` on a3-ultragpu-8g
/// and a4-highgpu-8g pools and
/// `.../reservationBlocks/BLOCK/reservationSubBlocks/SUB_BLOCK` on A4X.
const BLOCK_FAMILIES: &[&str] = &["a3-ultragpu-", "a4-highgpu-", "a4x-"];
const SUB_BLOCK_FAMILIES: &[&str] = &["a4x-"];

/// A `reservation` value, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
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
pub(super) enum BadTarget {
    /// `any/...`: `any` is every matching reservation, so it has no blocks.
    AnyWithBlock,
    Syntax(String),
}

pub(super) fn parse_reservation(s: &str) -> Result<Target, BadTarget> {
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

pub(super) fn reservation_rules(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
