//! The cluster's Kubernetes API client: reads the API server's discovery
//! (each document once per run), sends the kube-core requests the core
//! builds for the resources it names ([`crate::plan::kube`]) and reads
//! their replies with the core's rules. TLS is verified against the cluster
//! CA only; the bearer is the Google access token.

use super::auth::Credentials;
use super::http::{ca_roots, Client};
use super::{Deadline, SubmitError, Tuning};
use crate::kubeconfig::Endpoint;
use crate::plan::discovery::{
    self, resources_path, unserved_message, Discovery, Unserved, GROUPS_PATH,
};
use crate::plan::kube::{self as plan, Located, Manifest, NotLocated, Outcome, RequestError};
use crate::plan::readiness::{KUEUE_GROUP, WORKLOAD_KIND};
use crate::plan::reply::{Reply, ReplyError};
use crate::plan::secrets;
use serde_json::Value;
use std::cell::RefCell;

pub struct Kube {
    client: Client,
    /// What discovery has told this run.
    discovery: RefCell<Discovery>,
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
            discovery: RefCell::new(Discovery::new()),
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

    /// Read the discovery documents these group versions need, unless this
    /// run has read them already.
    pub fn discover(&self, api_versions: &[&str]) -> Result<(), SubmitError> {
        if self
            .discovery
            .borrow()
            .needs_groups(api_versions.iter().copied())
        {
            self.read_groups()?;
        }
        let fetch = self
            .discovery
            .borrow_mut()
            .to_fetch(api_versions.iter().copied());
        for av in fetch {
            let list = self.call(
                plan::discovery_get(&resources_path(&av))?,
                format!("discovery of {av}"),
                |r| plan::read_resource_list(&av, r),
            )?;
            self.discovery.borrow_mut().set_resources(&av, list);
        }
        Ok(())
    }

    fn read_groups(&self) -> Result<(), SubmitError> {
        let groups = self.call(
            plan::discovery_get(GROUPS_PATH)?,
            "discovery of the API groups".into(),
            plan::read_group_list,
        )?;
        self.discovery.borrow_mut().set_groups(&groups);
        Ok(())
    }

    /// The kinds of `objects` the cluster does not serve.
    pub fn unserved(&self, objects: &[Manifest]) -> Result<Vec<Unserved>, SubmitError> {
        self.discover(&discovery::api_versions(objects))?;
        Ok(discovery::unserved(&self.discovery.borrow(), objects))
    }

    /// Whether the cluster serves the object's kind.
    pub fn serves(&self, m: &Manifest) -> Result<bool, SubmitError> {
        Ok(self.unserved(std::slice::from_ref(m))?.is_empty())
    }

    fn located(
        &self,
        r: Result<Located, NotLocated>,
        kind: &str,
        what: String,
    ) -> Result<Located, SubmitError> {
        match r {
            Ok(l) => Ok(l),
            Err(NotLocated::NotServed { .. }) => Err(SubmitError::NotServed(format!(
                "{what}: its kind is not served by the cluster"
            ))),
            Err(NotLocated::NoNamespace) => Err(RequestError::NoNamespace {
                what,
                kind: kind.to_string(),
            }
            .into()),
            Err(NotLocated::Unknown) => Err(SubmitError::NotServed(format!(
                "{what}: the cluster's discovery does not say where it is"
            ))),
        }
    }

    fn locate(&self, m: &Manifest) -> Result<Located, SubmitError> {
        let unserved = self.unserved(std::slice::from_ref(m))?;
        if !unserved.is_empty() {
            return Err(SubmitError::NotServed(unserved_message(&unserved)));
        }
        let r = plan::locate(&self.discovery.borrow(), m);
        self.located(r, &m.kind, m.describe())
    }

    /// The live object; `None` when the API server says it is absent.
    pub fn get(&self, m: &Manifest) -> Result<Option<Value>, SubmitError> {
        let l = self.locate(m)?;
        self.call(plan::get(&l)?, format!("get {}", l.what), plan::read_object)
    }

    /// Server-side apply one object (with `dryRun=All` for a dry run).
    pub fn apply(&self, m: &Manifest, dry_run: bool) -> Result<Outcome, SubmitError> {
        let l = self.locate(m)?;
        let before = self.call(plan::get(&l)?, format!("get {}", l.what), plan::read_object)?;
        // What another controller took over (Kueue's `suspend`) is left out.
        let body = crate::plan::reapply::body(m, before.as_ref())?;
        self.call(
            plan::apply(&l, &body, dry_run)?,
            format!("apply {}", l.what),
            |r| plan::read_apply(before.as_ref(), r, dry_run),
        )
    }

    /// Delete one object (background propagation); `false` when it was gone.
    pub fn delete(&self, m: &Manifest) -> Result<bool, SubmitError> {
        let l = self.locate(m)?;
        self.call(
            plan::delete(&l)?,
            format!("delete {}", l.what),
            plan::read_delete,
        )
    }

    /// What the cluster has of Secret `namespace/name`: its key names
    /// (never its values), or that it is absent or may not be read.
    pub fn secret_keys(&self, namespace: &str, name: &str) -> Result<secrets::Live, SubmitError> {
        self.discover(&["v1"])?;
        let r = plan::locate_kind(
            &self.discovery.borrow(),
            "v1",
            "Secret",
            Some(namespace),
            name,
        );
        let l = self.located(r, "Secret", format!("Secret {namespace}/{name}"))?;
        self.call(
            plan::get(&l)?,
            format!("read the keys of {}", l.what),
            secrets::keys_of,
        )
    }

    /// The Kueue Workload that `selector` finds in `namespace`; `None` when
    /// there is none yet, or the cluster serves no Kueue Workloads.
    /// The pods of `namespace` that match `selector`.
    pub fn pods(&self, namespace: &str, selector: &str) -> Result<Vec<Value>, SubmitError> {
        self.call(
            plan::list_pods(namespace, selector)?,
            format!("list pods in {namespace}"),
            plan::read_list,
        )
    }

    pub fn kueue_workload(
        &self,
        namespace: &str,
        selector: &str,
    ) -> Result<Option<Value>, SubmitError> {
        // The group list says which version of Kueue's API to read.
        if !self.discovery.borrow().has_groups() {
            self.read_groups()?;
        }
        let Some(version) = self
            .discovery
            .borrow()
            .preferred_version(KUEUE_GROUP)
            .map(str::to_string)
        else {
            return Ok(None);
        };
        let av = format!("{KUEUE_GROUP}/{version}");
        self.discover(&[av.as_str()])?;
        let resource = match self.discovery.borrow().resolve(&av, WORKLOAD_KIND) {
            discovery::Resolution::Served(r) => r.api,
            _ => return Ok(None),
        };
        let items = self.call(
            plan::list(&resource, Some(namespace), selector)?,
            format!("list Kueue Workloads in {namespace}"),
            plan::read_list,
        )?;
        Ok(items.into_iter().next())
    }
}
