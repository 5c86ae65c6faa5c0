//! The cluster's Kubernetes API client: sends the kube-core requests the
//! core builds ([`crate::plan::kube`]) and reads their replies with the
//! core's rules. TLS is verified against the cluster CA only; the bearer is
//! the Google access token.

use super::auth::Credentials;
use super::http::{ca_roots, Client};
use super::{Deadline, SubmitError, Tuning};
use crate::k8s::Object;
use crate::kubeconfig::Endpoint;
use crate::plan::kube::{self as plan, Outcome};
use crate::plan::reply::{Reply, ReplyError};
use serde_json::Value;

pub use crate::plan::kube::describe;

pub struct Kube {
    client: Client,
}

impl Kube {
    pub fn new(
        ep: &Endpoint,
        creds: Credentials,
        tuning: Tuning,
        deadline: Deadline,
    ) -> Result<Kube, SubmitError> {
        let ca = ca_roots(&ep.ca_certificate)?;
        let server = format!("https://{}", ep.endpoint.trim_end_matches('/'));
        Ok(Kube {
            client: Client::cluster(creds, tuning, deadline, server, ca),
        })
    }

    fn call<T>(
        &self,
        request: plan::KubeRequest,
        what: String,
        read: impl FnOnce(&Reply) -> Result<T, ReplyError>,
    ) -> Result<T, SubmitError> {
        let target = format!("Kubernetes API {} {}", request.method(), request.uri());
        let reply = self.client.send(request)?;
        read(&reply).map_err(|source| SubmitError::Reply {
            what: format!("{what} ({target})"),
            source,
        })
    }

    /// The live object; `None` when the API server says it is absent.
    pub fn get(&self, o: &Object) -> Result<Option<Value>, SubmitError> {
        self.call(
            plan::get(o)?,
            format!("get {}", describe(o)),
            plan::read_object,
        )
    }

    /// Server-side apply one object (with `dryRun=All` for a dry run).
    pub fn apply(&self, o: &Object, dry_run: bool) -> Result<Outcome, SubmitError> {
        let before = self.get(o)?;
        self.call(
            plan::apply(o, dry_run)?,
            format!("apply {}", describe(o)),
            |r| plan::read_apply(before.as_ref(), r, dry_run),
        )
    }

    /// Delete one object (background propagation); `false` when it was gone.
    pub fn delete(&self, o: &Object) -> Result<bool, SubmitError> {
        self.call(
            plan::delete(o)?,
            format!("delete {}", describe(o)),
            plan::read_delete,
        )
    }
}
