//! The GPUDirect networks half of `apply`, `plan` and `delete --cluster`:
//! what [`crate::plan::compute`] decides, sent through [`Compute`].
//!
//! `apply` reads every resource first and stops before creating anything
//! when one exists with another definition; then it creates the absent ones
//! in order (networks, subnetworks, firewall rules), each waited for before
//! the next, all before the cluster. A 409 on a create (another run, or our
//! own retried request) is read back and compared like the rest.

use super::compute::Compute;
use super::ui::{self, note, out};
use super::SubmitError;
use crate::plan::compute::{self as plan, Found, Inserted, Step};
use crate::Compilation;

/// Counts for messages: "3 network(s), 3 subnetwork(s), 1 firewall rule(s)".
fn count(steps: &[&Step]) -> String {
    let n = |k| steps.iter().filter(|s| s.kind == k).count();
    format!(
        "{} network(s), {} subnetwork(s), {} firewall rule(s)",
        n(plan::Kind::Network),
        n(plan::Kind::Subnetwork),
        n(plan::Kind::Firewall)
    )
}

/// Read each resource and compare it with the spec's.
fn survey(compute: &Compute, steps: &[Step]) -> Result<Vec<Found>, SubmitError> {
    steps
        .iter()
        .map(|s| Ok(plan::compare(s, compute.get(s)?.as_ref())))
        .collect()
}

/// The networks before the cluster. In a dry run, says what would be
/// created, what exists and what differs (a difference is printed, not an
/// error: it is what apply would stop at). Returns how many were created
/// (or would be).
pub fn ensure(
    compute: &Compute,
    c: &Compilation,
    dry: bool,
    yes: bool,
) -> Result<usize, SubmitError> {
    let Some(reqs) = &c.networks else {
        return Ok(0);
    };
    let steps = plan::create_steps(reqs);
    let found = survey(compute, &steps)?;
    let mut absent = Vec::new();
    let mut differs = Vec::new();
    for (s, f) in steps.iter().zip(&found) {
        match f {
            Found::Absent => absent.push(s),
            Found::Same => {
                let line = format!("{}: exists", s.label());
                if dry {
                    out(&line)
                } else {
                    note(&line)
                }
            }
            Found::Differs(d) => differs.push(plan::differs_message(s, d)),
        }
    }
    if dry {
        for s in &absent {
            out(&format!("would create {}", s.label()));
        }
        for d in &differs {
            out(&format!("differs: {d}"));
        }
        return Ok(absent.len());
    }
    if !differs.is_empty() {
        return Err(SubmitError::Differs(format!(
            "the GPUDirect networks: {}",
            differs.join("; ")
        )));
    }
    if absent.is_empty() {
        return Ok(0);
    }
    ui::confirm(
        &format!(
            "create {} for the GPUDirect pools of cluster {}",
            count(&absent),
            c.model.cluster_name
        ),
        yes,
    )?;
    for s in &absent {
        let what = format!("create {}", s.label());
        match compute.insert(s)? {
            Inserted::Operation(op) => compute.wait(s, op, &what)?,
            Inserted::Exists => match plan::compare(s, Some(&compute.get_existing(s)?)) {
                // (compare with a live resource is never Absent.)
                Found::Same | Found::Absent => note(&format!("{} already exists (409)", s.label())),
                Found::Differs(d) => {
                    return Err(SubmitError::Differs(format!(
                        "the GPUDirect networks: {}",
                        plan::differs_message(s, &d)
                    )))
                }
            },
        }
    }
    Ok(absent.len())
}

/// After the cluster is deleted: its networks, rules and subnets first;
/// one already absent is fine.
pub fn remove(compute: &Compute, c: &Compilation) -> Result<(), SubmitError> {
    let Some(reqs) = &c.networks else {
        return Ok(());
    };
    for s in plan::delete_steps(reqs) {
        match compute.delete(&s)? {
            Some(op) => {
                compute.wait(&s, op, &format!("delete {}", s.label()))?;
                out(&format!("{}: deleted", s.label()));
            }
            None => out(&format!("{}: already absent", s.label())),
        }
    }
    Ok(())
}

/// How many resources `delete --cluster` removes, for its confirmation.
pub fn how_many(c: &Compilation) -> Option<String> {
    let reqs = c.networks.as_ref()?;
    let steps = plan::create_steps(reqs);
    Some(count(&steps.iter().collect::<Vec<_>>()))
}
