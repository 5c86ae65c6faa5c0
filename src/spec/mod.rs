//! The spec language `podwire.dev/v1alpha1`: the typed model, and parsing of
//! YAML/JSON source into it with every field's position kept.
//!
//! The types derive `JsonSchema` (for `podwire schema`) and `Serialize`; the
//! decoder in [`decode`] reads them from a positioned tree so that every
//! mistake is reported at once, with its place.

mod cluster;
mod connections;
pub mod decode;
mod queues;
mod reference;
pub mod reparse;
mod rules;
mod serving;
pub mod tree;
pub(crate) mod typed;
mod volumes;
mod workload;

pub use cluster::{
    Accelerator, Autoscaling, Capacity, Cluster, GpuDriver, NodePool, Placement, ReleaseChannel,
    Taint, TaintEffect, Tpu,
};
pub use connections::{Connection, Endpoint};
pub use queues::{Priority, Queue, Quota};
pub use reference::reference_markdown;
pub use serving::{Autoscale, Budget, Disruption, GatewayKind, Health, Metric, Route, Tls};
pub use volumes::{BucketVolume, CacheMedium, ClaimVolume, FileCache, ScratchVolume, Volume};
pub use workload::{
    Distributed, EnvMap, EnvValue, Expose, Port, PortRef, Protocol, Resources, Run, SecretKeyRef,
    ServiceName, Workload,
};

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub const API_VERSION: &str = "podwire.dev/v1alpha1";
pub const KIND: &str = "AIWorkload";

/// Ordered string map (source order kept).
pub type StrMap = Vec<(String, String)>;

/// Schema of a scalar the decoder reads as its source text: YAML users write
/// `OMP_NUM_THREADS: 4`, `args: [--epochs, 3]` or `version: 1.30`, and the
/// value is the text as written ("1.30", not 1.3). The decoder recognises a
/// text scalar by this shape (a type list with both `string` and `number`).
pub struct Scalar;

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Text; a number or boolean is taken as the text it is written as.",
            "type": ["string", "number", "boolean"]
        })
    }
}

/// Schema of a Kubernetes quantity: `"90"`, `90`, `500m`, `1000Gi`, read as text.
pub struct Quantity;

impl JsonSchema for Quantity {
    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A Kubernetes quantity (`90`, `500m`, `1000Gi`), read as text.",
            "type": ["string", "number"]
        })
    }
}

/// A mapping of text values, in source order; a value left empty (`KEY:`) is "".
fn text_pairs<'de, D: Deserializer<'de>>(d: D) -> Result<StrMap, D::Error> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = StrMap;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping of text values")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrMap, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Option<String>>()? {
                out.push((k, v.unwrap_or_default()));
            }
            Ok(out)
        }
    }
    d.deserialize_map(Pairs)
}

/// A workload's `env`: values in source order, each text (as [`text_pairs`]
/// reads it) or a `{secret, key}` reference.
fn env_pairs<'de, D: Deserializer<'de>>(d: D) -> Result<EnvMap, D::Error> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = EnvMap;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping of text values or {secret, key} references")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnvMap, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Option<EnvValue>>()? {
                out.push((k, v.unwrap_or(EnvValue::Text(String::new()))));
            }
            Ok(out)
        }
    }
    d.deserialize_map(Pairs)
}

/// [`text_pairs`], sorted by key (labels).
fn text_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(text_pairs(d)?.into_iter().collect())
}

/// One podwire spec: an AI workload on GKE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "podwire AIWorkload (podwire.dev/v1alpha1)")]
pub struct Spec {
    /// Must be `podwire.dev/v1alpha1`.
    #[schemars(extend("const" = "podwire.dev/v1alpha1", "examples" = ["podwire.dev/v1alpha1"]))]
    pub api_version: String,
    /// Must be `AIWorkload`.
    #[schemars(extend("const" = "AIWorkload", "examples" = ["AIWorkload"]))]
    pub kind: String,
    /// The workload's name and labels.
    #[schemars(extend("examples" = [{"name": "llm-train"}]))]
    pub metadata: Metadata,
    /// Where the cluster lives.
    #[schemars(extend("examples" = [{"project": "my-project", "location": "us-central1-a"}]))]
    pub gcp: Gcp,
    /// The GKE cluster and its node pools.
    #[schemars(extend("examples" = [{"nodePools": [{"name": "gpu", "machineType": "g2-standard-8"}]}]))]
    pub cluster: Cluster,
    /// Kubernetes namespace for every object. Default: `metadata.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["llm-train"]))]
    pub namespace: Option<String>,
    /// Kueue queues: jobs in a queue are admitted as a whole (all pods or
    /// none) when the queue's quota allows, and wait suspended until then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [[{"name": "train", "pools": ["h100"], "quota": {"gpus": 32}}]]))]
    pub queues: Vec<Queue>,
    /// The pods to run, each a Job, StatefulSet or Deployment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [[{"name": "trainer", "image": "us-docker.pkg.dev/my-project/ml/train:1.0"}]]))]
    pub workloads: Vec<Workload>,
    /// The only traffic the NetworkPolicies allow. With none, no policies are made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("examples" = [[{"from": "server", "to": "trainer", "ports": ["metrics"]}]]))]
    pub connections: Vec<Connection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// A DNS-1035 label; the default cluster name and namespace.
    #[schemars(
        regex(pattern = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"),
        length(max = 63),
        extend("examples" = ["llm-train"])
    )]
    pub name: String,
    /// Put on every Kubernetes object and as GKE resourceLabels.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "text_map"
    )]
    #[schemars(
        with = "BTreeMap<String, Option<Scalar>>",
        extend("examples" = [{"team": "ml"}])
    )]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Gcp {
    /// GCP project id (6-30 characters: lowercase letters, digits, hyphens).
    #[schemars(
        regex(pattern = r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$"),
        extend("examples" = ["my-project"])
    )]
    pub project: String,
    /// A zone (`us-central1-a`: zonal cluster) or a region (`us-central1`: regional cluster).
    #[schemars(extend("examples" = ["us-central1-a"]))]
    pub location: String,
    /// VPC network. Default: the project's `default` network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["ml-vpc"]))]
    pub network: Option<String>,
    /// Subnetwork of that network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["ml-subnet"]))]
    pub subnetwork: Option<String>,
    /// The primary range of the region's proxy-only subnet (purpose
    /// `REGIONAL_MANAGED_PROXY`, role `ACTIVE`) in `network`: the Envoy
    /// proxies of an internal Gateway (`route.gateway: internal`) connect to
    /// the pods from its addresses, so the NetworkPolicies admit it (on the
    /// routed port only). No default: it is the network's own choice, and a
    /// wrong guess would either block the Gateway or admit other sources.
    /// Required when a workload routes through an internal Gateway and the
    /// spec has `connections`. The subnet must exist before the Gateway
    /// (one per region and network): `gcloud compute networks subnets create
    /// proxy-only --purpose=REGIONAL_MANAGED_PROXY --role=ACTIVE
    /// --region=REGION --network=NETWORK --range=CIDR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["10.129.0.0/23"]))]
    pub proxy_subnet: Option<String>,
}

/// The JSON Schema of the whole language: the published schema (`podwire
/// schema`), the rules the decoder checks against and the source of the
/// reference documentation.
pub fn json_schema() -> serde_json::Value {
    schema().clone()
}

/// [`json_schema`], made once, from the schema the types generate as the
/// build embeds it (`schema/v1alpha1.json`, which `tests/schema_files.rs`
/// proves equal to [`generated_schema`]): parsing that text takes under a
/// third of the time generating it does (which every `podwire compile` paid
/// at start), and the wasm build does not link schemars' generator at all.
pub(crate) fn schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(SCHEMA_JSON)
            .expect("schema/v1alpha1.json is JSON (tests/schema_files.rs)")
    })
}

/// `schema/v1alpha1.json`: the language's schema that `podwire schema`
/// prints, as compact JSON with a final newline (what the wasm embeds).
pub const SCHEMA_JSON: &str = include_str!("../../schema/v1alpha1.json");

/// The language's schema, generated from the types with schemars.
#[cfg(not(target_arch = "wasm32"))]
pub fn generated_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(Spec).to_value();
    if let Some(o) = schema.as_object_mut() {
        o.insert(
            "$id".into(),
            "https://podwire.dev/schema/v1alpha1.json".into(),
        );
    }
    schema
}

/// Follows a schema's `$ref`s into the root's `$defs` (the decoder and the
/// reference generator read the same schema the same way). The language's
/// schema has no reference cycles; the bound keeps a broken one from looping.
pub(crate) fn resolve_ref<'s>(
    defs: Option<&'s serde_json::Map<String, serde_json::Value>>,
    mut schema: &'s serde_json::Value,
) -> &'s serde_json::Value {
    for _ in 0..8 {
        let Some(name) = schema
            .get("$ref")
            .and_then(serde_json::Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        else {
            break;
        };
        match defs.and_then(|d| d.get(name)) {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}
