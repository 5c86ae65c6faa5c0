//! Semantic tests: podwire's manifests, read by an independent YAML parser
//! and evaluated by a model of Kubernetes written for these tests alone
//! (`cluster`), must allow exactly the traffic and give exactly the names
//! the spec declares, read from the spec by design.md's rules (`expect`).
//! Run over every example and over seeded random specs. `kueue` holds the
//! queued workloads to an independent model of Kueue's admission.

mod cluster;
mod compare;
mod expect;
mod gateway;
mod generate;
mod kueue;
mod serving;
#[path = "../support/mod.rs"]
mod support;

use cluster::{Cidr, Cluster, Endpoint};
use compare::{compare, Findings, KNOWN_DEVIATIONS};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn manifests(c: &podwire::Compiled) -> Vec<Value> {
    let text = c
        .files
        .iter()
        .find(|f| f.path == podwire::MANIFESTS_FILE)
        .map(|f| f.content.as_str())
        .unwrap_or_default();
    support::yaml::documents(text).unwrap_or_else(|e| panic!("manifests do not parse: {e}"))
}

/// Compile a spec and compare its manifests with it.
fn check(src: &str) -> Findings {
    let c = podwire::compile(src, &podwire::Options::default());
    assert!(c.ok, "does not compile: {:#?}\n{src}", c.diagnostics);
    let spec = support::yaml::document(src).unwrap_or_else(|e| panic!("spec does not parse: {e}"));
    compare(&spec, &manifests(&c)).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

fn known(tag: &str) -> bool {
    KNOWN_DEVIATIONS.iter().any(|(t, _)| *t == tag)
}

#[test]
fn examples_do_what_their_specs_declare() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut seen = 0;
    for e in std::fs::read_dir(dir).expect("examples").flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let src = std::fs::read_to_string(&p).expect("read");
        let f = check(&src);
        assert!(
            f.unexplained().is_empty(),
            "{}:\n{}",
            p.display(),
            f.report()
        );
        if !f.by_tag.is_empty() {
            eprintln!("{}: known deviations\n{}", p.display(), f.report());
        }
        seen += 1;
    }
    assert!(seen >= 5, "only {seen} examples");
}

/// How many random specs a run checks.
const GENERATED: u64 = 200;

#[test]
fn generated_specs_do_what_they_declare() {
    let mut observed: BTreeSet<&str> = BTreeSet::new();
    let mut with_connections = 0;
    let (mut health, mut cpu, mut scraped, mut budgets) = (0, 0, 0, 0);
    let (mut routed, mut grouped, mut https) = (0, 0, 0);
    for seed in 0..GENERATED {
        let src = generate::spec(seed);
        if src.contains("connections:") {
            with_connections += 1;
            scraped += usize::from(src.contains("metric:"));
        }
        health += usize::from(src.contains("health:"));
        cpu += usize::from(src.contains("cpu: ") && src.contains("autoscale:"));
        budgets += usize::from(src.contains("disruption:"));
        grouped += usize::from(src.contains("groupSize:"));
        let f = check(&src);
        assert!(
            f.unexplained().is_empty(),
            "seed {seed}:\n{}\n{src}",
            f.report()
        );
        if src.contains("route:") {
            let c = podwire::compile(&src, &podwire::Options::default());
            let spec = support::yaml::document(&src).expect("spec");
            let cluster = Cluster::from_objects(&manifests(&c)).expect("cluster");
            routed += gateway::check(&spec, &cluster)
                .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{src}"));
            https += usize::from(src.contains(", tls: "));
        }
        for tag in f.by_tag.keys() {
            assert!(known(tag), "{tag}");
            observed.insert(tag);
        }
    }
    assert!(
        with_connections > GENERATED / 2,
        "{with_connections} specs with connections"
    );
    // Serving fields show up often enough to mean something, the scraped
    // metric also under NetworkPolicies.
    for (what, n) in [
        ("health", health),
        ("cpu autoscale", cpu),
        ("metric under policies", scraped),
        ("disruption", budgets),
        ("a route", routed),
        ("a LeaderWorkerSet group", grouped),
        ("an HTTPS route", https),
    ] {
        assert!(n >= 10, "only {n} specs with {what}");
    }
    // A known deviation that no longer shows has been fixed: delete it from
    // KNOWN_DEVIATIONS so that the comparison is strict about it again.
    for (tag, rule) in KNOWN_DEVIATIONS {
        assert!(
            observed.contains(tag),
            "known deviation `{tag}` ({rule}) no longer occurs: delete it from KNOWN_DEVIATIONS"
        );
    }
}

/// The smallest setting for the hand-written tests: `client` may call
/// `server` on `http`; the policies are given as YAML.
const SMALL_SPEC: &str = "
apiVersion: podwire.dev/v1alpha1
kind: AIWorkload
metadata: {name: small}
gcp: {project: my-project, location: us-central1-a}
cluster:
  workloadIdentity: false
  nodePools: [{name: cpu, machineType: e2-standard-4}]
workloads:
  - {name: client, image: c:1, run: service}
  - {name: server, image: s:1, run: service, ports: [{name: http, port: 8000}]}
connections:
  - {from: client, to: server, ports: [http]}
";

const SMALL_OBJECTS: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: small}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: small}
spec:
  replicas: 1
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: c:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: server, namespace: small}
spec:
  replicas: 1
  selector: {matchLabels: {app: server}}
  template:
    metadata: {labels: {app: server}}
    spec:
      containers: [{name: s, image: s:1, ports: [{name: http, containerPort: 8000}]}]
---
apiVersion: v1
kind: Service
metadata: {name: server, namespace: small}
spec:
  selector: {app: server}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: small}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client, namespace: small}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: server}}}]
      ports: [{port: http}]
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server, namespace: small}
spec:
  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: client}}}]
      ports: [{port: 8000, protocol: TCP}]
  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
";

fn small(objects: &str) -> Findings {
    let spec = support::yaml::document(SMALL_SPEC).expect("spec");
    let objects = support::yaml::documents(objects).expect("objects");
    compare(&spec, &objects).expect("compare")
}

/// Where the serving example's objects are in its manifests.
struct At {
    dep: usize,
    hpa: usize,
    pdb: usize,
    svc: usize,
    pm: usize,
    np: usize,
}

/// The serving example's manifests, each broken one way, are each reported:
/// the serving comparison can fail.
#[test]
fn broken_serving_objects_are_reported() {
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/llama-l4-serving.yaml"),
    )
    .expect("example");
    let c = podwire::compile(&src, &podwire::Options::default());
    let spec = support::yaml::document(&src).expect("spec");
    let good = manifests(&c);
    assert!(compare(&spec, &good).expect("compare").by_tag.is_empty());
    let of = |objs: &mut Vec<Value>, kind: &str, name: &str| -> usize {
        objs.iter()
            .position(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name}"))
    };
    type Break = fn(&mut Vec<Value>, &At);
    let breaks: &[(&str, Break)] = &[
        ("the Deployment sets replicas", |o, at| {
            o[at.dep]["spec"]["replicas"] = 1.into()
        }),
        ("the HPA names another Deployment", |o, at| {
            o[at.hpa]["spec"]["scaleTargetRef"]["name"] = "vllm2".into()
        }),
        ("the HPA's bounds", |o, at| {
            o[at.hpa]["spec"]["maxReplicas"] = 8.into()
        }),
        ("the HPA's metric", |o, at| {
            o[at.hpa]["spec"]["metrics"][0]["pods"]["metric"]["name"] =
                "vllm:num_requests_waiting".into()
        }),
        ("the PDB selects nothing", |o, at| {
            o[at.pdb]["spec"]["selector"]["matchLabels"]["podwire.dev/workload"] = "x".into()
        }),
        ("the PDB is gone", |o, at| {
            o.remove(at.pdb);
        }),
        ("a probe names no port", |o, at| {
            o[at.dep]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]
                ["port"] = "web".into()
        }),
        ("a probe by number", |o, at| {
            o[at.dep]["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]
                ["port"] = 8000.into()
        }),
        ("the startup probe gives up early", |o, at| {
            o[at.dep]["spec"]["template"]["spec"]["containers"][0]["startupProbe"]
                ["failureThreshold"] = 30.into()
        }),
        ("the client Service publishes unready pods", |o, at| {
            o[at.svc]["spec"]["publishNotReadyAddresses"] = true.into()
        }),
        ("the PodMonitoring scrapes another port", |o, at| {
            o[at.pm]["spec"]["endpoints"][0]["port"] = "metrics".into()
        }),
        ("the collector may not scrape", |o, at| {
            let rules = o[at.np]["spec"]["ingress"].as_array_mut().expect("rules");
            rules.retain(|r| !r.to_string().contains("gmp-system"));
        }),
    ];
    for (what, f) in breaks {
        let mut objs = good.clone();
        let at = At {
            dep: of(&mut objs, "Deployment", "vllm"),
            hpa: of(&mut objs, "HorizontalPodAutoscaler", "vllm"),
            pdb: of(&mut objs, "PodDisruptionBudget", "vllm"),
            svc: of(&mut objs, "Service", "vllm"),
            pm: of(&mut objs, "PodMonitoring", "vllm"),
            np: of(&mut objs, "NetworkPolicy", "vllm"),
        };
        f(&mut objs, &at);
        let findings = compare(&spec, &objs).expect("compare");
        assert!(!findings.unexplained().is_empty(), "{what}: not reported");
    }
}

/// Two groups of two torch pods, served through an internal load balancer.
const GROUPS_SPEC: &str = "apiVersion: podwire.dev/v1alpha1
kind: AIWorkload
metadata: {name: groups}
gcp: {project: my-project, location: us-central1-a}
cluster:
  nodePools:
    - {name: h100, machineType: a3-highgpu-8g, nodes: 4}
workloads:
  - {name: llm, image: r/llm:1, run: service, replicas: 2, groupSize: 2, gpus: 8,
     distributed: pytorch, ports: [{name: http, port: 8000}], expose: internal}
connections:
  - {from: {cidr: 10.0.0.0/8}, to: llm, ports: [http]}
";

/// Set `name` to `value` in both templates of a LeaderWorkerSet.
fn set_group_env(lws: &mut Value, name: &str, value: &str) {
    for t in ["leaderTemplate", "workerTemplate"] {
        let env = lws["spec"]["leaderWorkerTemplate"][t]["spec"]["containers"][0]["env"]
            .as_array_mut()
            .expect("env");
        let e = env
            .iter_mut()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {t}"));
        e["value"] = value.into();
    }
}

/// A LeaderWorkerSet's manifests, each broken one way, are each reported:
/// leaders-only Services, group-only traffic and the leader address can fail.
#[test]
fn broken_groups_are_reported() {
    let c = podwire::compile(GROUPS_SPEC, &podwire::Options::default());
    assert!(c.ok, "{:?}", c.diagnostics);
    let spec = support::yaml::document(GROUPS_SPEC).expect("spec");
    let good = manifests(&c);
    let f = compare(&spec, &good).expect("compare");
    assert!(f.by_tag.is_empty(), "{}", f.report());
    let at = |objs: &[Value], kind: &str, name: &str| -> usize {
        objs.iter()
            .position(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name}"))
    };
    type Break = fn(&mut Vec<Value>, usize);
    let breaks: &[(&str, &str, &str, Break)] = &[
        (
            "the client Service selects the workers too",
            "Service",
            "llm",
            |o, i| {
                o[i]["spec"]["selector"]
                    .as_object_mut()
                    .expect("selector")
                    .remove("leaderworkerset.sigs.k8s.io/worker-index");
            },
        ),
        (
            "the load balancer selects the workers too",
            "Service",
            "llm-lb",
            |o, i| {
                o[i]["spec"]["selector"]
                    .as_object_mut()
                    .expect("selector")
                    .remove("leaderworkerset.sigs.k8s.io/worker-index");
            },
        ),
        (
            "the clients reach the workers",
            "NetworkPolicy",
            "llm-leaders",
            |o, i| {
                o[i]["spec"]["podSelector"]["matchLabels"]
                    .as_object_mut()
                    .expect("labels")
                    .remove("leaderworkerset.sigs.k8s.io/worker-index");
            },
        ),
        // Both ends must allow: every group's peers widened to the workload.
        (
            "the groups reach each other",
            "NetworkPolicy",
            "llm-group-0",
            |o, _| {
                for p in o.iter_mut().filter(|p| {
                    p["kind"] == "NetworkPolicy"
                        && p["metadata"]["name"]
                            .as_str()
                            .is_some_and(|n| n.starts_with("llm-group-"))
                }) {
                    for (dir, peers) in [("ingress", "from"), ("egress", "to")] {
                        p["spec"][dir][0][peers][0]["podSelector"]["matchLabels"]
                            .as_object_mut()
                            .expect("labels")
                            .remove("leaderworkerset.sigs.k8s.io/group-index");
                    }
                }
            },
        ),
        (
            "group 1's pods cannot reach each other",
            "NetworkPolicy",
            "llm-group-1",
            |o, i| {
                o.remove(i);
            },
        ),
        // Shared: LWS would name its Service `llm`, which the client Service
        // has taken: no pod names, no leader address.
        (
            "the subdomain is the workload's name",
            "LeaderWorkerSet",
            "llm",
            |o, i| o[i]["spec"]["networkConfig"]["subdomainPolicy"] = "Shared".into(),
        ),
        (
            "the torch master is not the leader",
            "LeaderWorkerSet",
            "llm",
            |o, i| {
                for t in ["leaderTemplate", "workerTemplate"] {
                    let env = o[i]["spec"]["leaderWorkerTemplate"][t]["spec"]["containers"][0]
                        ["env"]
                        .as_array_mut()
                        .expect("env");
                    for e in env.iter_mut() {
                        if e["name"] == "MASTER_ADDR" {
                            e["value"] = "llm-0.llm-0.groups".into();
                        }
                    }
                }
            },
        ),
        // The node rank counted over all pods (as a StatefulSet's ordinal
        // would), not within the group.
        (
            "the node rank is not the worker index",
            "LeaderWorkerSet",
            "llm",
            |o, i| set_group_env(&mut o[i], "NODE_RANK", "1"),
        ),
        (
            "the torch world is every group's pods",
            "LeaderWorkerSet",
            "llm",
            |o, i| set_group_env(&mut o[i], "PET_NNODES", "4"),
        ),
        // podwire's env after LeaderWorkerSet's wins in Kubernetes.
        (
            "the container overrides LWS's worker index",
            "LeaderWorkerSet",
            "llm",
            |o, i| {
                let c = &mut o[i]["spec"]["leaderWorkerTemplate"]["workerTemplate"]["spec"]
                    ["containers"][0];
                c["env"]
                    .as_array_mut()
                    .expect("env")
                    .push(serde_json::json!({"name": "LWS_WORKER_INDEX", "value": "0"}));
            },
        ),
        (
            "the leader does not listen on the rendezvous port",
            "LeaderWorkerSet",
            "llm",
            |o, i| {
                let ports = o[i]["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["spec"]
                    ["containers"][0]["ports"]
                    .as_array_mut()
                    .expect("ports");
                ports.retain(|p| p["containerPort"] != 29500);
            },
        ),
    ];
    for (what, kind, name, f) in breaks {
        let mut objs = good.clone();
        let i = at(&objs, kind, name);
        f(&mut objs, i);
        let findings = compare(&spec, &objs).expect("compare");
        assert!(!findings.unexplained().is_empty(), "{what}: not reported");
    }
}

#[test]
fn the_hand_written_manifests_do_what_the_spec_declares() {
    // The baseline for the next test: correct manifests give no finding.
    let f = small(SMALL_OBJECTS);
    assert!(f.by_tag.is_empty(), "{}", f.report());
}

#[test]
fn a_too_broad_policy_is_reported() {
    // The server admits everyone (an ingress rule with no peers and no
    // ports), where the spec lets only the client in, on http.
    let broad = SMALL_OBJECTS.replace(
        "    - from: [{podSelector: {matchLabels: {app: client}}}]\n      ports: [{port: 8000, protocol: TCP}]",
        "    - {}",
    );
    assert_ne!(broad, SMALL_OBJECTS);
    let f = small(&broad);
    let found = f.unexplained();
    for extra in [
        "8.8.8.8 -> server[0] 8000/TCP: allowed",
        "8.8.8.8 -> server[0] 1/TCP: allowed",
        "elsewhere/client-copy -> server[0] 8000/TCP: allowed",
        "kube-system/metrics-server-1 -> server[0] 53/UDP: allowed",
    ] {
        assert!(
            found.iter().any(|m| m.starts_with(extra)),
            "{extra} not reported:\n{}",
            f.report()
        );
    }
    // The stranger in the namespace stays out by its own default-deny, and
    // the client by its egress, which allows only http.
    assert!(
        !found.iter().any(|m| m.starts_with("small/stranger ->")),
        "{}",
        f.report()
    );
    assert!(
        !found
            .iter()
            .any(|m| m.starts_with("client[0] -> server[0]")),
        "{}",
        f.report()
    );

    // An egress rule without ports lets the client reach every server port.
    let open = SMALL_OBJECTS.replace(
        "    - to: [{podSelector: {matchLabels: {app: server}}}]\n      ports: [{port: http}]",
        "    - to: [{podSelector: {matchLabels: {app: server}}}]",
    );
    assert_ne!(open, SMALL_OBJECTS);
    let both = open.replace("      ports: [{port: 8000, protocol: TCP}]", "");
    let f = small(&both);
    assert!(
        f.unexplained()
            .iter()
            .any(|m| m.starts_with("client[0] -> server[0] 443/TCP: allowed")),
        "{}",
        f.report()
    );

    // A missing Service port is reported too.
    let f = small(&SMALL_OBJECTS.replace("targetPort: http", "targetPort: 8001"));
    assert!(
        f.unexplained()
            .iter()
            .any(|m| m.contains("no port carries 8000/TCP")),
        "{}",
        f.report()
    );
}

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

/// The multislice example's manifests, as values, and its spec.
fn multislice() -> (Value, Vec<Value>) {
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/v5e-multislice-jax.yaml"),
    )
    .expect("read");
    let c = podwire::compile(&src, &podwire::Options::default());
    assert!(c.ok, "{:#?}", c.diagnostics);
    let spec = support::yaml::document(&src).expect("spec parses");
    (spec, manifests(&c))
}

fn jobset_of(objects: &mut [Value]) -> &mut Value {
    objects
        .iter_mut()
        .find(|o| o["kind"] == "JobSet")
        .expect("a JobSet")
}

#[test]
fn jobset_pods_are_named_and_found_as_jobset_makes_them() {
    let (spec, objects) = multislice();
    let f = compare(&spec, &objects).expect("compares");
    assert!(f.unexplained().is_empty(), "{}", f.report());
    let cluster = Cluster::from_objects(&objects).expect("reads");
    // 2 slices x 4 hosts; slice 1's third pod by JobSet's own scheme.
    let pods: Vec<_> = cluster
        .pods
        .iter()
        .filter(|p| p.owner.as_ref().is_some_and(|o| o.kind == "JobSet"))
        .collect();
    assert_eq!(pods.len(), 8);
    let at = cluster.resolve("jax-worker-1-2.jax.jax-multislice.svc.cluster.local", false);
    assert_eq!(at.len(), 1);
    let p = &cluster.pods[at[0]];
    assert_eq!(p.labels["jobset.sigs.k8s.io/job-index"], "1");
    assert_eq!(p.env["MEGASCALE_SLICE_ID"], "1");
    assert_eq!(p.env["TPU_WORKER_ID"], "2");
    assert!(p.env["TPU_WORKER_HOSTNAMES"].starts_with("jax-worker-1-0.jax."));
}

#[test]
fn broken_jobsets_are_reported() {
    let (spec, objects) = multislice();
    let report = |objects: &[Value]| {
        compare(&spec, objects)
            .expect("compares")
            .unexplained()
            .to_vec()
    };
    // Another subdomain: no pod has its DNS name, the rendezvous and the
    // coordinator are lost.
    let mut o = objects.clone();
    jobset_of(&mut o)["spec"]["network"]["subdomain"] = "elsewhere".into();
    let found = report(&o);
    for want in [
        "reaches [], the spec means",
        "does not reach pod 0 alone",
        "the MegaScale coordinator",
    ] {
        assert!(found.iter().any(|m| m.contains(want)), "{want}: {found:#?}");
    }
    // One slice instead of two: half the pods, and the slice count is wrong.
    let mut o = objects.clone();
    jobset_of(&mut o)["spec"]["replicatedJobs"][0]["replicas"] = 1.into();
    let found = report(&o);
    assert!(
        found.iter().any(|m| m.contains("4 pods, the spec says 8")),
        "{found:#?}"
    );
    // Pod labels the headless Service does not select.
    let mut o = objects.clone();
    jobset_of(&mut o)["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["metadata"]
        ["labels"]["podwire.dev/workload"] = "other".into();
    let found = report(&o);
    assert!(
        found.iter().any(|m| m.contains("reaches pods []")),
        "{found:#?}"
    );
    // A slice id that is not the pod's Job index.
    let mut o = objects;
    let env = &mut jobset_of(&mut o)["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]
        ["spec"]["containers"][0]["env"];
    for e in env.as_array_mut().into_iter().flatten() {
        if e["name"] == "MEGASCALE_SLICE_ID" {
            *e = serde_json::json!({"name": "MEGASCALE_SLICE_ID", "value": "0"});
        }
    }
    let found = report(&o);
    assert!(
        found
            .iter()
            .any(|m| m.contains("MEGASCALE_SLICE_ID is Some(\"0\"), the design means \"1\"")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|m| m.contains("TPU_WORKER_HOSTNAMES")),
        "{found:#?}"
    );
}
