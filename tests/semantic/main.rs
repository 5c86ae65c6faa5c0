//! Semantic tests: podwire's manifests, read by an independent YAML parser
//! and evaluated by a model of Kubernetes written for these tests alone
//! (`cluster`). This file holds the model's own tests.

// Some of the model is read only by the comparison with the spec.
#[allow(dead_code)]
mod cluster;
#[path = "../support/mod.rs"]
mod support;

use cluster::{Cidr, Cluster, Endpoint};

fn cluster(yaml: &str) -> Cluster {
    Cluster::from_objects(&support::yaml::documents(yaml).expect("yaml")).expect("objects")
}

const TWO_PODS: &str = "
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: a, namespace: n}
spec:
  replicas: 2
  serviceName: a
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a, tier: x}}
    spec: {containers: [{name: a, image: a, ports: [{name: web, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: j, namespace: n}
spec:
  completionMode: Indexed
  completions: 3
  parallelism: 3
  template:
    metadata: {labels: {app: j}}
    spec: {subdomain: js, containers: [{name: j, image: j}], restartPolicy: Never}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: n}
spec: {clusterIP: None, publishNotReadyAddresses: true, selector: {app: a}, ports: [{port: 80, targetPort: web}]}
---
apiVersion: v1
kind: Service
metadata: {name: js, namespace: n}
spec: {clusterIP: None, selector: {app: j}}
";

#[test]
fn no_policy_allows_everything_and_policies_add_up() {
    let mut c = cluster(TWO_PODS);
    let a0 = c.pod_of("StatefulSet", "a", "n", 0).expect("a-0");
    let j0 = c.pod_of("Job", "j", "n", 0).expect("j-0");
    assert!(c.can(Endpoint::Pod(a0), Endpoint::Pod(j0), 9, "SCTP"));
    // Two policies on `a`: one admits j on web, the other on dns (named, UDP).
    let extra = format!(
        "{TWO_PODS}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p1, namespace: n}}
spec:
  podSelector: {{matchLabels: {{app: a}}}}
  ingress: [{{from: [{{podSelector: {{matchLabels: {{app: j}}}}}}], ports: [{{port: web}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p2, namespace: n}}
spec:
  podSelector: {{matchExpressions: [{{key: tier, operator: In, values: [x]}}]}}
  ingress: [{{from: [{{podSelector: {{matchLabels: {{app: j}}}}}}], ports: [{{port: dns, protocol: UDP}}]}}]
"
    );
    c = cluster(&extra);
    let a0 = c.pod_of("StatefulSet", "a", "n", 0).expect("a-0");
    let j0 = c.pod_of("Job", "j", "n", 0).expect("j-0");
    let (a, j) = (Endpoint::Pod(a0), Endpoint::Pod(j0));
    assert!(c.can(j, a, 8080, "TCP"));
    assert!(c.can(j, a, 53, "UDP"));
    assert!(!c.can(j, a, 53, "TCP"), "the named port is UDP");
    assert!(!c.can(j, a, 8081, "TCP"));
    // Policy types default to Ingress only: a's egress stays open.
    assert!(c.can(a, j, 1234, "TCP"));
}

#[test]
fn both_ends_must_allow_and_selectors_are_scoped() {
    let yaml = format!(
        "{TWO_PODS}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: deny-j, namespace: n}}
spec:
  podSelector: {{matchLabels: {{app: j}}}}
  policyTypes: [Egress]
  egress:
    - to: [{{namespaceSelector: {{matchLabels: {{team: t}}}}, podSelector: {{matchLabels: {{app: a}}}}}}]
    - to: [{{ipBlock: {{cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}}}]
      ports: [{{port: 1000, endPort: 2000}}]
"
    );
    let mut c = cluster(&yaml);
    c.add_namespace("t-ns", &[("team", "t")]);
    let imp = c.add_pod(cluster::Pod::bare("impostor", "t-ns", &[("app", "a")]));
    let other = c.add_pod(cluster::Pod::bare("b", "t-ns", &[("app", "b")]));
    let j0 = c.pod_of("Job", "j", "n", 0).expect("j-0");
    let a0 = c.pod_of("StatefulSet", "a", "n", 0).expect("a-0");
    let j = Endpoint::Pod(j0);
    // namespaceSelector AND podSelector: only app=a pods of team t.
    assert!(c.can(j, Endpoint::Pod(imp), 5, "TCP"));
    assert!(!c.can(j, Endpoint::Pod(other), 5, "TCP"));
    // a's own namespace has no team label: not matched.
    assert!(!c.can(j, Endpoint::Pod(a0), 8080, "TCP"));
    // ipBlock with except and endPort.
    let ip = |s: &str| Endpoint::Ip(s.parse().expect("ip"));
    assert!(c.can(j, ip("8.8.8.8"), 1500, "TCP"));
    assert!(c.can(j, ip("8.8.8.8"), 2000, "TCP"));
    assert!(!c.can(j, ip("8.8.8.8"), 2001, "TCP"));
    assert!(!c.can(j, ip("10.2.3.4"), 1500, "TCP"));
    assert!(!c.can(j, ip("8.8.8.8"), 1500, "UDP"));
    // An ipBlock is not a pod selector.
    assert!(!c.can(j, Endpoint::Pod(other), 1500, "TCP"));
}

#[test]
fn cidr_edges() {
    let b = Cidr::parse("10.0.0.0/8").expect("cidr");
    assert!(b.contains(b.inside()));
    assert_eq!(b.after(), Some("11.0.0.0".parse().expect("ip")));
    assert_eq!(b.before(), Some("9.255.255.255".parse().expect("ip")));
    assert!(!b.contains("11.0.0.0".parse().expect("ip")));
    let all = Cidr::parse("0.0.0.0/0").expect("cidr");
    assert!(all.contains("255.255.255.255".parse().expect("ip")));
    assert!(Cidr::parse("10.0.0.0/33").is_err());
}

#[test]
fn dns_names_reach_the_pods_kubernetes_gives_them() {
    let c = cluster(TWO_PODS);
    let a1 = c.pod_of("StatefulSet", "a", "n", 1).expect("a-1");
    let j2 = c.pod_of("Job", "j", "n", 2).expect("j-2");
    assert_eq!(c.resolve("a-1.a.n.svc.cluster.local", false), [a1]);
    assert_eq!(c.resolve("a-1.a.n.svc.cluster.local.", false), [a1]);
    // Indexed Job pods: hostname <job>-<index>, subdomain from the template;
    // `js` does not publish pods that are not ready.
    assert_eq!(c.resolve("j-2.js.n.svc.cluster.local", true), [j2]);
    assert!(c.resolve("j-2.js.n.svc.cluster.local", false).is_empty());
    assert!(c.resolve("j-3.js.n.svc.cluster.local", true).is_empty());
    assert!(c.resolve("a-1.a.other.svc.cluster.local", true).is_empty());
    assert!(c.resolve("a-1.js.n.svc.cluster.local", true).is_empty());
    assert_eq!(c.resolve("a.n.svc.cluster.local", true).len(), 2);
    // targetPort by name: port 80 goes to container port 8080 (web).
    let mut to = c.service_backends("a", "n", 80, "TCP");
    to.sort_unstable();
    let a0 = c.pod_of("StatefulSet", "a", "n", 0).expect("a-0");
    assert_eq!(to, [(a0, 8080), (a1, 8080)]);
    assert!(c.service_backends("a", "n", 80, "UDP").is_empty());
}
