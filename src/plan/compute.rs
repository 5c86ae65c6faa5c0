//! The Compute Engine v1 API as `podwire apply/plan/delete` uses it for the
//! extra networks of GPUDirect pools (`gke/networks.json`): which resources
//! to create and in what order (networks, then subnetworks, then firewall
//! rules), how a live resource is compared with the spec's, which
//! operation to wait for (global for networks and firewalls, regional for
//! subnetworks), and the reverse order of a delete.
//!
//! As for GKE, "absent" is believed only from Google's own JSON 404 that
//! names the resource, and "exists" only from Google's own 409.

use super::reply::{Reply, ReplyError};
use crate::gke::networks::NetworkRequests;
use serde_json::Value;

/// The three kinds of resources, in the order they are created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Network,
    Subnetwork,
    Firewall,
}

impl Kind {
    /// As messages name it.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Network => "network",
            Kind::Subnetwork => "subnetwork",
            Kind::Firewall => "firewall rule",
        }
    }
}

/// One resource to create (or delete): its collection, its name and the
/// body the spec wants.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub kind: Kind,
    pub name: String,
    /// The collection: `projects/P/global/networks`,
    /// `projects/P/regions/R/subnetworks`, `projects/P/global/firewalls`.
    pub collection: String,
    pub body: Value,
}

impl Step {
    /// The resource: `<collection>/<name>` (get and delete).
    pub fn path(&self) -> String {
        format!("{}/{}", self.collection, self.name)
    }

    /// `network NAME`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.noun(), self.name)
    }

    /// Where its operations live: `projects/P/regions/R/operations` for a
    /// subnetwork, `projects/P/global/operations` for the others.
    pub fn operations(&self) -> String {
        let scope = self
            .collection
            .rsplit_once('/')
            .map(|(s, _)| s)
            .unwrap_or_default();
        format!("{scope}/operations")
    }

    /// An operation's path: Compute names operations by a short name
    /// within their scope.
    pub fn operation_path(&self, name: &str) -> String {
        format!("{}/{name}", self.operations())
    }
}

/// Every insert of the networks file, in the order it must be sent: each
/// needs the one before (a subnet its network, a rule its network).
pub fn create_steps(n: &NetworkRequests) -> Vec<Step> {
    let step = |kind, path: &str, body: Value| Step {
        kind,
        name: body["name"].as_str().unwrap_or_default().to_string(),
        collection: path.to_string(),
        body,
    };
    let json = |v: Result<Value, serde_json::Error>| v.unwrap_or(Value::Null);
    let mut out = Vec::new();
    for i in &n.networks {
        out.push(step(
            Kind::Network,
            &i.path,
            json(serde_json::to_value(&i.body)),
        ));
    }
    for i in &n.subnetworks {
        out.push(step(
            Kind::Subnetwork,
            &i.path,
            json(serde_json::to_value(&i.body)),
        ));
    }
    for i in &n.firewalls {
        out.push(step(
            Kind::Firewall,
            &i.path,
            json(serde_json::to_value(&i.body)),
        ));
    }
    out
}

/// The deletes of `delete --cluster`: the creates backwards (rules and
/// subnets before the network they are in).
pub fn delete_steps(n: &NetworkRequests) -> Vec<Step> {
    let mut s = create_steps(n);
    s.reverse();
    s
}

/// `https://compute.googleapis.com/compute/v1/` + path (the API root ends
/// in the version, as gcloud's `api_endpoint_overrides/compute` does).
pub fn url(base: &str, path: &str) -> String {
    format!("{base}{path}")
}

/// Google's own 404 for this resource: its JSON error, whose message names
/// the resource (`The resource 'projects/P/global/networks/N' was not
/// found`).
fn says_absent(step: &Step, r: &Reply) -> bool {
    r.status == 404
        && r.google_error().is_some_and(|e| {
            let needle = format!("{}/{}", collection_kind(step), step.name);
            e.message.match_indices(&needle).any(|(i, _)| {
                !e.message[i + needle.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
            })
        })
}

/// `networks`, `subnetworks` or `firewalls`.
fn collection_kind(step: &Step) -> &str {
    step.collection.rsplit('/').next().unwrap_or_default()
}

/// Read a `get`: `None` only on Google's word that it does not exist; a
/// resource must be a JSON object with this name.
pub fn read_get(step: &Step, r: &Reply) -> Result<Option<Value>, ReplyError> {
    if says_absent(step, r) {
        return Ok(None);
    }
    if !r.ok() {
        return Err(r.api_error());
    }
    let v = r.object_with(&["name"], "a Compute Engine resource")?;
    if v["name"] != step.name.as_str() {
        return Err(ReplyError::Unexpected {
            status: r.status,
            expected: "this resource",
            excerpt: format!("a resource named {}", v["name"]),
        });
    }
    Ok(Some(v))
}

/// What an insert found.
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted {
    /// An operation was started.
    Operation(Value),
    /// 409 from Google: it exists (perhaps from our own retried request);
    /// read it and compare.
    Exists,
}

/// Read an insert: an operation, or Google's 409 (Compute's errors carry
/// `errors[].reason: alreadyExists` and, lately, `status: ALREADY_EXISTS`).
pub fn read_insert(r: &Reply) -> Result<Inserted, ReplyError> {
    if r.status == 409 {
        if let Some(e) = r.google_error() {
            if matches!(e.status.as_str(), "ALREADY_EXISTS" | "") {
                return Ok(Inserted::Exists);
            }
        }
    }
    read_operation(r).map(Inserted::Operation)
}

/// Read a delete: the operation, or `None` on Google's word that it does
/// not exist.
pub fn read_delete(step: &Step, r: &Reply) -> Result<Option<Value>, ReplyError> {
    if says_absent(step, r) {
        return Ok(None);
    }
    read_operation(r).map(Some)
}

/// A Compute operation: a JSON object with a name and a status.
pub fn read_operation(r: &Reply) -> Result<Value, ReplyError> {
    if !r.ok() {
        return Err(r.api_error());
    }
    r.object_with(&["name", "status"], "a Compute Engine operation")
}

pub use super::gke::OperationState;

/// Where a Compute operation is: `status` PENDING, RUNNING or DONE; a DONE
/// one failed when its `error.errors` is not empty (their messages), or
/// when it carries an `httpErrorStatusCode` of 400 or more.
pub fn operation_state(op: &Value) -> OperationState {
    let status = op["status"].as_str().unwrap_or("UNKNOWN");
    if status != "DONE" {
        return OperationState::Pending {
            status: status.to_string(),
            detail: op["statusMessage"].as_str().unwrap_or_default().to_string(),
        };
    }
    let errors: Vec<&Value> = op["error"]["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let messages: Vec<String> = errors
        .iter()
        .map(|e| {
            let msg = e["message"].as_str().unwrap_or_default();
            let code = e["code"].as_str().unwrap_or_default();
            match (code.is_empty(), msg.is_empty()) {
                (true, false) => msg.to_string(),
                (false, false) => format!("{code}: {msg}"),
                (false, true) => code.to_string(),
                (true, true) => e.to_string(),
            }
        })
        .collect();
    if !messages.is_empty() {
        return OperationState::Failed(messages.join("; "));
    }
    let http = op["httpErrorStatusCode"].as_u64().unwrap_or(0);
    let has_error = op["error"].as_object().is_some_and(|o| !o.is_empty());
    if http >= 400 || has_error {
        let msg = op["httpErrorMessage"].as_str().unwrap_or_default();
        return OperationState::Failed(format!(
            "Compute Engine reports an error (HTTP {http} {msg}, error {})",
            op["error"]
        ));
    }
    OperationState::Done
}

/// One field where the live resource is not what the spec wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub field: String,
    pub want: String,
    pub live: String,
}

/// How a live resource compares with the spec's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Absent,
    Same,
    Differs(Vec<Difference>),
}

/// Compare each field the spec sends with the live resource's. Compute
/// answers with more than was sent (`id`, `selfLink`, ...): those are not
/// looked at. It names other resources by full URL
/// (`https://www.googleapis.com/compute/v1/projects/...`): a reference is
/// the same when it ends in the spec's `projects/...` path. Lists whose
/// order means nothing (`sourceRanges`, `allowed`) are compared as sets; a
/// field it leaves out is the same as a `false` or empty one.
pub fn compare(step: &Step, live: Option<&Value>) -> Found {
    let Some(live) = live else {
        return Found::Absent;
    };
    let Some(want) = step.body.as_object() else {
        return Found::Same;
    };
    let mut out = Vec::new();
    for (field, w) in want {
        let l = &live[field];
        if !same_value(w, l) {
            out.push(Difference {
                field: field.clone(),
                want: w.to_string(),
                live: if l.is_null() {
                    "(not set)".into()
                } else {
                    l.to_string()
                },
            });
        }
    }
    if out.is_empty() {
        Found::Same
    } else {
        Found::Differs(out)
    }
}

fn same_value(want: &Value, live: &Value) -> bool {
    match (want, live) {
        (Value::String(w), Value::String(l)) if w.starts_with("projects/") => {
            l == w || l.ends_with(&format!("/{w}"))
        }
        (Value::Array(w), Value::Array(l)) => {
            w.len() == l.len()
                && w.iter().all(|x| l.iter().any(|y| same_value(x, y)))
                && l.iter().all(|y| w.iter().any(|x| same_value(x, y)))
        }
        (Value::Object(w), Value::Object(_)) => w.iter().all(|(k, x)| same_value(x, &live[k])),
        (Value::Bool(false), Value::Null) => true,
        (Value::Array(w), Value::Null) => w.is_empty(),
        (Value::String(w), Value::Null) => w.is_empty(),
        (w, l) => w == l,
    }
}

/// The message for a resource that exists with another definition.
pub fn differs_message(step: &Step, diffs: &[Difference]) -> String {
    let fields: Vec<String> = diffs
        .iter()
        .map(|d| format!("{}: the spec wants {}, it has {}", d.field, d.want, d.live))
        .collect();
    format!(
        "{} exists with another definition ({}); podwire does not change or replace it: delete it or rename the cluster",
        step.label(),
        fields.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn requests() -> NetworkRequests {
        let m = crate::analyze(include_str!("../../examples/a3-mega-tcpxo.yaml"))
            .model
            .expect("the example compiles");
        crate::gke::networks::network_requests(&m).expect("it has networks")
    }

    #[test]
    fn networks_then_subnets_then_rules_and_back() {
        let n = requests();
        let steps = create_steps(&n);
        assert_eq!(
            steps.len(),
            n.networks.len() + n.subnetworks.len() + n.firewalls.len()
        );
        let kinds: Vec<Kind> = steps.iter().map(|s| s.kind).collect();
        let first_sub = kinds.iter().position(|k| *k == Kind::Subnetwork).unwrap();
        let first_fw = kinds.iter().position(|k| *k == Kind::Firewall).unwrap();
        assert!(kinds[..first_sub].iter().all(|k| *k == Kind::Network));
        assert!(kinds[first_sub..first_fw]
            .iter()
            .all(|k| *k == Kind::Subnetwork));
        assert!(kinds[first_fw..].iter().all(|k| *k == Kind::Firewall));
        let del = delete_steps(&n);
        assert_eq!(del.first().unwrap().kind, Kind::Firewall);
        assert_eq!(del.last().unwrap().kind, Kind::Network);
        let sub = &steps[first_sub];
        assert!(
            sub.operations().contains("/regions/"),
            "{}",
            sub.operations()
        );
        assert!(sub.path().ends_with(&format!("/subnetworks/{}", sub.name)));
        assert!(steps[0].operations().ends_with("/global/operations"));
        assert_eq!(
            steps[0].operation_path("op-1"),
            "projects/my-project/global/operations/op-1"
        );
        assert_eq!(
            url(
                "https://compute.googleapis.com/compute/v1/",
                &steps[0].path()
            ),
            format!(
                "https://compute.googleapis.com/compute/v1/projects/my-project/global/networks/{}",
                steps[0].name
            )
        );
    }

    fn not_found(msg: &str) -> Reply {
        Reply::new(
            404,
            json!({"error": {"code": 404, "message": msg,
                "errors": [{"domain": "global", "reason": "notFound", "message": msg}]}})
            .to_string(),
        )
    }

    #[test]
    fn only_googles_not_found_for_this_resource_means_absent() {
        let s = &create_steps(&requests())[0];
        let ours = format!("The resource '{}' was not found", s.path());
        assert_eq!(read_get(s, &not_found(&ours)), Ok(None));
        assert_eq!(read_delete(s, &not_found(&ours)), Ok(None));
        for r in [
            Reply::new(404, "<html>Not Found</html>"),
            not_found("no such path"),
            not_found(&format!("The resource '{}0' was not found", s.path())),
        ] {
            assert!(read_get(s, &r).is_err(), "{r:?}");
            assert!(read_delete(s, &r).is_err(), "{r:?}");
        }
        let other = json!({"name": "other"}).to_string();
        assert!(read_get(s, &Reply::new(200, other)).is_err());
        assert!(read_get(s, &Reply::new(200, "{}")).is_err());
    }

    #[test]
    fn inserts_exist_only_on_googles_409() {
        let exists = Reply::new(
            409,
            r#"{"error":{"code":409,"message":"The resource 'x' already exists","errors":[{"reason":"alreadyExists"}]}}"#,
        );
        assert_eq!(read_insert(&exists), Ok(Inserted::Exists));
        assert!(read_insert(&Reply::new(409, "<html>conflict</html>")).is_err());
        let op = Reply::new(200, r#"{"name":"op-1","status":"PENDING"}"#);
        assert!(matches!(read_insert(&op), Ok(Inserted::Operation(_))));
        assert!(read_insert(&Reply::new(200, "{}")).is_err());
        assert!(read_insert(&Reply::new(403, r#"{"error":{"message":"quota"}}"#)).is_err());
    }

    #[test]
    fn operations_fail_with_their_messages() {
        let s = |v: Value| operation_state(&v);
        assert_eq!(s(json!({"status": "DONE"})), OperationState::Done);
        assert_eq!(
            s(json!({"status": "DONE", "error": {"errors": [
                {"code": "QUOTA_EXCEEDED", "message": "Quota 'NETWORKS' exceeded"}]}})),
            OperationState::Failed("QUOTA_EXCEEDED: Quota 'NETWORKS' exceeded".into())
        );
        assert!(matches!(
            s(json!({"status": "DONE", "httpErrorStatusCode": 400})),
            OperationState::Failed(_)
        ));
        assert!(matches!(
            s(json!({"status": "DONE", "error": {"code": 3}})),
            OperationState::Failed(_)
        ));
        assert!(matches!(
            s(json!({"status": "RUNNING"})),
            OperationState::Pending { .. }
        ));
    }

    #[test]
    fn live_resources_compare_by_what_was_sent() {
        let steps = create_steps(&requests());
        let fw = steps.iter().find(|s| s.kind == Kind::Firewall).unwrap();
        let mut live = fw.body.clone();
        // What Compute answers: full URLs, more fields, other list order.
        live["network"] = format!(
            "https://www.googleapis.com/compute/v1/{}",
            fw.body["network"].as_str().unwrap()
        )
        .into();
        live["id"] = "123".into();
        live["sourceRanges"].as_array_mut().unwrap().reverse();
        live["allowed"].as_array_mut().unwrap().reverse();
        assert_eq!(compare(fw, Some(&live)), Found::Same);
        assert_eq!(compare(fw, None), Found::Absent);
        live["sourceRanges"] = json!(["0.0.0.0/0"]);
        let Found::Differs(d) = compare(fw, Some(&live)) else {
            panic!("an open rule is not the spec's")
        };
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, "sourceRanges");
        assert!(differs_message(fw, &d).contains("sourceRanges"));
        let net = &steps[0];
        let mut other = net.body.clone();
        other["network"] = Value::Null;
        other["mtu"] = 1460.into();
        let Found::Differs(d) = compare(net, Some(&other)) else {
            panic!("another MTU differs")
        };
        assert_eq!(d[0].field, "mtu");
        // A reference to another network with a name that ends the same.
        let sub = steps.iter().find(|s| s.kind == Kind::Subnetwork).unwrap();
        let mut l = sub.body.clone();
        l["network"] = format!("x{}", sub.body["network"].as_str().unwrap()).into();
        assert!(matches!(compare(sub, Some(&l)), Found::Differs(_)));
    }
}
