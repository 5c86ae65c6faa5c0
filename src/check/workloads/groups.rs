//! Workloads of several pods per unit: LeaderWorkerSet groups
//! (`groupSize`) and one pod per host of a multi-host TPU slice.

use super::super::{at, Checker};
use crate::diag::codes;
use crate::model::{self, Framework, Kind, Pool};
use crate::spec::{self, Run};

/// What `groupSize` above 1 cannot be combined with: a job (a
/// LeaderWorkerSet is long-running), `peers` (every group's pods already
/// have names, under their own group's Service; `peers` would join all
/// groups into one network), JAX (podwire's LeaderWorkerSets rendezvous
/// through the leader as torch and Ray do) and TPU slice pools (a slice's
/// hosts are one JobSet or StatefulSet here).
pub(super) fn group_conflicts(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    run: Run,
    framework: Option<Framework>,
    pool: Option<&Pool>,
) {
    let gp = at(path, ".groupSize");
    if run == Run::Job {
        checker.err(
            codes::GROUP_NOT_SERVICE,
            &gp,
            format!(
                "`groupSize` makes a LeaderWorkerSet of long-running server groups, and `{}` is a job",
                w.name
            ),
            Some("for a job across several pods use `replicas` (with `distributed`), or set `run: service`".to_string()),
        );
    }
    if w.peers == Some(true) {
        checker.err(
            codes::GROUP_CONFLICT,
            &at(path, ".peers"),
            "with `groupSize` each pod already has a name under its own group's Service; `peers` would let the pods of every group reach each other",
            Some("remove `peers`: the pods of a group reach each other on every port".to_string()),
        );
    }
    if framework == Some(Framework::Jax) {
        checker.err(
            codes::GROUP_CONFLICT,
            &at(path, ".distributed"),
            "`distributed: jax` is not supported with `groupSize`: the group's rendezvous env is torch's (`distributed: pytorch`), or the framework reads LeaderWorkerSet's own (`LWS_LEADER_ADDRESS`, `LWS_GROUP_SIZE`, `LWS_WORKER_INDEX`), as vLLM with Ray does",
            Some("use `distributed: pytorch`, or remove `distributed` and read the LWS_* env".to_string()),
        );
    }
    if let Some(p) = pool.filter(|p| p.tpu.is_some()) {
        checker.err(
            codes::GROUP_CONFLICT,
            &gp,
            format!(
                "pool `{}` is a TPU pool: podwire runs a slice's hosts as one workload of `replicas` pods, not as LeaderWorkerSet groups",
                p.name
            ),
            Some("remove `groupSize` (on a multi-host slice, set `replicas` to its hosts)".to_string()),
        );
    }
}

/// A workload on a multi-host TPU slice runs one pod on each host, each
/// taking all of its host's chips, as an Indexed Job or a peers StatefulSet.
pub(super) fn multi_host_slice(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    pool: &Pool,
    tpu: &model::PoolTpu,
    kind: Kind,
    replicas: u32,
) {
    let slice = if tpu.slices > 1 {
        format!(
            "each of the {} {} slices of pool `{}`",
            tpu.slices, tpu.topology, pool.name
        )
    } else {
        format!("the {} slice of pool `{}`", tpu.topology, pool.name)
    };
    if kind == Kind::Deployment {
        checker.err(
            codes::TPU_SLICE,
            &at(path, ".name"),
            format!("a Deployment cannot run {slice}: its pods have no stable index to find each other by"),
            Some("use `run: job`, or `peers: true` for a long-running workload".to_string()),
        );
    }
    if replicas != tpu.hosts {
        checker.err(
            codes::TPU_SLICE,
            &at(path, ".replicas"),
            format!(
                "{slice} has {} hosts, so the workload needs {} replicas (one per host{}), not {replicas}",
                tpu.hosts,
                tpu.hosts,
                if tpu.slices > 1 { ", counted per slice" } else { "" }
            ),
            Some(format!("set `replicas: {}`", tpu.hosts)),
        );
    }
    // (More chips than a host has is reported with the pool's other limits.)
    if let Some(n) = w.tpus.filter(|n| *n < tpu.chips_per_node) {
        checker.err(
            codes::TPU_SLICE,
            &at(path, ".tpus"),
            format!(
                "each pod on {slice} takes all {} chips of its host, not {n}",
                tpu.chips_per_node
            ),
            Some("remove `tpus` (the default is all chips of the host)".to_string()),
        );
    }
}
