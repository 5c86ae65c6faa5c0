//! `podwire apply / plan / delete / status` (the real binary) against fakes
//! of the GKE v1 API (HTTP) and of the cluster's Kubernetes API (HTTPS with a
//! CA the test makes), both on 127.0.0.1. Faults are injected; no real
//! credentials or network are needed.

mod apply_support;

use apply_support::server::{Fault, Request};
use apply_support::{Env, TOKEN};
use serde_json::Value;
use std::time::Duration;

fn gke_posts(env: &Env) -> Vec<Request> {
    env.gke
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

fn patches(env: &Env) -> Vec<Request> {
    env.kube
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.outcome == "ok")
        .collect()
}

fn object_paths(env: &Env) -> Vec<String> {
    env.kube
        .state
        .lock()
        .unwrap()
        .objects
        .keys()
        .cloned()
        .collect()
}

/// Every object of the compiled manifests, applied in order, with the exact
/// document as body, SSA content type and field manager.
fn assert_applied_in_order(env: &Env, reqs: &[Request], dry_run: bool) {
    let docs = env.documents();
    // One successful PATCH per object (retries of failed ones aside), in order.
    let mut seen: Vec<&Request> = Vec::new();
    for r in reqs {
        if seen.last().map(|l| l.path == r.path) != Some(true) {
            seen.push(r);
        }
    }
    assert_eq!(
        seen.len(),
        docs.len(),
        "one apply per object: {:?}",
        seen.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    for (r, doc) in seen.iter().zip(&docs) {
        assert_eq!(
            &r.body, doc,
            "apply body of {} equals `podwire compile`'s document",
            r.path
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/apply-patch+yaml")
        );
        assert!(r.query_has("fieldManager=podwire"), "{}", r.query);
        assert!(r.query_has("force=true"), "{}", r.query);
        assert_eq!(r.query_has("dryRun=All"), dry_run, "{}", r.query);
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        // The path names the object the document describes.
        let name = doc
            .lines()
            .skip_while(|l| *l != "metadata:")
            .find_map(|l| l.strip_prefix("  name: "))
            .unwrap();
        assert!(
            r.path.ends_with(&format!("/{name}")),
            "{} vs {name}",
            r.path
        );
    }
    let first = &seen[0];
    assert!(
        first.path.starts_with("/api/v1/namespaces/"),
        "Namespace first: {}",
        first.path
    );
}

fn kubeconfig(env: &Env) -> Value {
    let text = std::fs::read_to_string(&env.kubeconfig).unwrap();
    podwire::submit::kubeconfig::parse(&text).unwrap()
}

#[test]
fn apply_creates_cluster_pools_kubeconfig_objects_then_second_apply_changes_nothing() {
    let env = Env::new("mixed-stack.yaml");
    let run = env.run("apply", &["--yes"]);
    run.ok();

    // GKE: exactly one create, the compiled request verbatim, at the gcloud path.
    let posts = gke_posts(&env);
    assert_eq!(posts.len(), 1, "{posts:?}");
    let req = env.cluster_request();
    let parent = req["parent"].as_str().unwrap();
    assert_eq!(posts[0].path, format!("/v1/{parent}/clusters"));
    assert_eq!(posts[0].header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_str(&posts[0].body).unwrap();
    assert_eq!(body, req, "create body equals `podwire compile --emit gke`");
    assert_eq!(env.gke.state.lock().unwrap().creates, 1);
    // The operation was followed to DONE.
    let op_gets: Vec<Request> = env
        .gke
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/operations/"))
        .collect();
    assert!(
        op_gets.len() >= 3,
        "PENDING, RUNNING, DONE polled: {}",
        op_gets.len()
    );
    for r in env.gke.server.requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert!(!r.path.contains("//"), "{}", r.path);
    }

    // Kubeconfig: merged, 0600, current context ours, the other one kept.
    let kc = kubeconfig(&env);
    let ctx = format!(
        "gke_{}_{}_{}",
        parent.split('/').nth(1).unwrap(),
        env.location(),
        req["cluster"]["name"].as_str().unwrap()
    );
    assert_eq!(kc["current-context"], ctx.as_str());
    let names = |k: &str| -> Vec<String> {
        kc[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names("clusters"),
        vec!["other-cluster".to_string(), ctx.clone()]
    );
    assert_eq!(
        names("contexts"),
        vec!["other-context".to_string(), ctx.clone()]
    );
    assert_eq!(names("users"), vec!["other-user".to_string(), ctx.clone()]);
    assert_eq!(kc["users"][0]["user"]["token"], "other-static-token");
    assert_eq!(kc["contexts"][0]["context"]["namespace"], "team-a");
    let ours = &kc["clusters"][1]["cluster"];
    assert_eq!(
        ours["server"],
        format!("https://{}", env.kube.server.addr).as_str()
    );
    assert_eq!(
        ours["certificate-authority-data"],
        env.kube.ca_base64.as_str()
    );
    assert_eq!(
        kc["users"][1]["user"]["exec"]["command"],
        "gke-gcloud-auth-plugin"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&env.kubeconfig)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(env.kubeconfig.parent().unwrap())
        .unwrap()
        .collect();
    assert_eq!(leftovers.len(), 1, "no temp file left behind");

    // Kubernetes: every object, in order, SSA.
    assert_applied_in_order(&env, &patches(&env), false);
    assert_eq!(object_paths(&env).len(), env.documents().len());

    // Readiness was waited for: every workload was polled after apply.
    assert!(run.stderr.contains("workloads ready"), "{}", run.stderr);
    // Summary.
    assert!(run.stdout.contains("Services:"), "{}", run.stdout);
    assert!(run.stdout.contains(".svc.cluster.local"), "{}", run.stdout);
    assert!(
        run.stdout.contains("203.0.113.7"),
        "LB address: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("created, 0 configured, 0 unchanged"),
        "{}",
        run.stdout
    );

    // Second apply: nothing created, nothing changed.
    env.gke.server.clear_log();
    env.kube.server.clear_log();
    let before = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let again = env.run("apply", &["--yes"]);
    again.ok();
    assert!(gke_posts(&env).is_empty(), "no create the second time");
    assert_eq!(env.gke.state.lock().unwrap().creates, 1);
    let n = env.documents().len();
    assert!(
        again
            .stdout
            .contains(&format!("0 created, 0 configured, {n} unchanged")),
        "{}",
        again.stdout
    );
    assert_eq!(std::fs::read_to_string(&env.kubeconfig).unwrap(), before);
    assert!(!again.stderr.contains("drift"), "{}", again.stderr);
}

#[test]
fn faults_on_both_apis_are_retried_and_create_happens_once() {
    let env = Env::new("mixed-stack.yaml");
    let g = &env.gke.server;
    let k = &env.kube.server;
    // GKE: throttled first look-up, a 503, then the create succeeds but its
    // answer is lost, so the retry gets 409 and podwire follows the cluster.
    g.fault("GET", "/clusters/", Fault::Status(429, Some(1)), 1);
    g.fault("POST", "/clusters", Fault::Status(503, None), 1);
    g.fault("POST", "/clusters", Fault::DropAfterHandling, 1);
    g.fault("GET", "/clusters/", Fault::Status(500, None), 1);
    g.fault("GET", "/clusters/", Fault::Drop, 1);
    g.fault(
        "GET",
        "/clusters/",
        Fault::Delay(Duration::from_millis(1500)),
        1,
    );
    // Kubernetes: throttled, failing, dropped and slow requests.
    k.fault("PATCH", "/namespaces/", Fault::Status(429, Some(1)), 1);
    k.fault("PATCH", "/services/", Fault::Status(500, None), 1);
    k.fault("PATCH", "/networkpolicies/", Fault::Drop, 1);
    k.fault(
        "GET",
        "/deployments/",
        Fault::Delay(Duration::from_millis(1500)),
        1,
    );
    k.fault("GET", "/statefulsets/", Fault::Status(503, None), 2);
    k.fault("PATCH", "/deployments/", Fault::DropAfterHandling, 1);

    let run = env.run("apply", &["--yes"]);
    run.ok();
    assert_eq!(
        env.gke.state.lock().unwrap().creates,
        1,
        "exactly one successful create"
    );
    let posts = gke_posts(&env);
    assert_eq!(posts.len(), 3, "503, dropped-after-create, 409: {posts:?}");
    assert!(
        run.stderr.contains("already exists (409)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        object_paths(&env).len(),
        env.documents().len(),
        "every object applied"
    );
    // Every fault fired.
    for f in g
        .faults
        .lock()
        .unwrap()
        .iter()
        .chain(k.faults.lock().unwrap().iter())
    {
        assert_eq!(f.times, 0, "fault not triggered: {f:?}");
    }
    // Retry-After: 1 was honoured on both APIs.
    for s in [g, k] {
        let reqs = s.requests();
        let i = reqs
            .iter()
            .position(|r| r.outcome.starts_with("Status(429"))
            .unwrap();
        let next = reqs[i + 1..]
            .iter()
            .find(|r| r.path == reqs[i].path && r.method == reqs[i].method)
            .unwrap();
        assert!(
            next.at.duration_since(reqs[i].at) >= Duration::from_millis(950),
            "Retry-After honoured"
        );
    }
    assert!(run.stderr.contains("retrying"), "{}", run.stderr);
    assert!(
        run.stderr.contains("timeout"),
        "the slow requests timed out and were retried: {}",
        run.stderr
    );
}

#[test]
fn a_failed_operation_is_reported_with_gkes_message() {
    let env = Env::new("seed.yaml");
    let msg = "Insufficient regional quota to satisfy request: resource \"CPUS\": request requires '96.0' and is short '72.0'";
    env.gke.state.lock().unwrap().fail_create = Some(msg.to_string());
    let run = env.run("apply", &["--yes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(msg), "{}", run.stderr);
    assert!(patches(&env).is_empty());
    assert_eq!(
        std::fs::read_to_string(&env.kubeconfig).unwrap(),
        apply_support::OTHER_KUBECONFIG
    );
}

#[test]
fn refuses_to_create_without_a_terminal_or_yes() {
    let env = Env::new("seed.yaml");
    let run = env.run("apply", &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert!(gke_posts(&env).is_empty());
    assert!(env.kube.server.requests().is_empty());
}

#[test]
fn plan_and_dry_run_mutate_nothing() {
    let env = Env::new("mixed-stack.yaml");
    // No cluster yet: says what would be created.
    let plan = env.run("plan", &[]);
    plan.ok();
    assert!(
        plan.stdout.contains("would create cluster"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("would create node pool"),
        "{}",
        plan.stdout
    );
    assert!(gke_posts(&env).is_empty());
    assert!(env.kube.server.requests().is_empty());
    assert_eq!(
        std::fs::read_to_string(&env.kubeconfig).unwrap(),
        apply_support::OTHER_KUBECONFIG
    );

    // A running cluster without our objects: Kubernetes' own dry run only.
    env.gke
        .seed_running(&env.cluster_request()["cluster"], &env.location());
    let dry = env.run("apply", &["--dry-run"]);
    dry.ok();
    assert!(gke_posts(&env).is_empty());
    assert!(object_paths(&env).is_empty(), "nothing stored");
    let pr = patches(&env);
    assert!(!pr.is_empty() && pr.iter().all(|r| r.query_has("dryRun=All")));
    assert!(dry.stdout.contains("would be created"), "{}", dry.stdout);
    assert_eq!(
        std::fs::read_to_string(&env.kubeconfig).unwrap(),
        apply_support::OTHER_KUBECONFIG
    );

    // After an apply, a changed spec: plan reports the change, applies nothing.
    env.run("apply", &["--yes"]).ok();
    let spec = std::fs::read_to_string(&env.spec).unwrap();
    let changed = spec.replacen("replicas: 2", "replicas: 3", 1);
    assert_ne!(spec, changed);
    std::fs::write(&env.spec, changed).unwrap();
    let applied_before = env.kube.state.lock().unwrap().applies.len();
    let kc_before = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let plan = env.run("plan", &[]);
    plan.ok();
    assert!(plan.stdout.contains("would be changed"), "{}", plan.stdout);
    assert!(plan.stdout.contains(": unchanged"), "{}", plan.stdout);
    assert_eq!(env.kube.state.lock().unwrap().applies.len(), applied_before);
    assert_eq!(std::fs::read_to_string(&env.kubeconfig).unwrap(), kc_before);
}

#[test]
fn missing_node_pools_are_created_on_an_existing_cluster() {
    let env = Env::new("mixed-stack.yaml");
    let req = env.cluster_request();
    let mut partial = req["cluster"].clone();
    let all_pools = partial["nodePools"].as_array().unwrap().clone();
    assert!(all_pools.len() >= 2);
    partial["nodePools"] = Value::Array(vec![all_pools[0].clone()]);
    env.gke.seed_running(&partial, &env.location());
    // The first try meets another operation on the cluster (GKE's 400).
    env.gke.server.fault(
        "POST",
        "/nodePools",
        Fault::Json(
            400,
            r#"{"error":{"code":400,"message":"Cluster is running incompatible operation operation-1.","status":"FAILED_PRECONDITION"}}"#.into(),
        ),
        1,
    );

    let run = env.run("apply", &["--yes"]);
    run.ok();
    assert!(
        run.stderr.contains("incompatible operation"),
        "{}",
        run.stderr
    );
    let posts: Vec<Request> = gke_posts(&env)
        .into_iter()
        .filter(|r| r.outcome == "ok")
        .collect();
    assert_eq!(posts.len(), all_pools.len() - 1, "{posts:?}");
    assert_eq!(
        env.gke.state.lock().unwrap().pool_creates as usize,
        all_pools.len() - 1
    );
    let cluster_path = format!(
        "{}/clusters/{}",
        req["parent"].as_str().unwrap(),
        req["cluster"]["name"].as_str().unwrap()
    );
    for (post, want) in posts.iter().zip(&all_pools[1..]) {
        assert_eq!(post.path, format!("/v1/{cluster_path}/nodePools"));
        let body: Value = serde_json::from_str(&post.body).unwrap();
        assert_eq!(
            &body["nodePool"], want,
            "nodePools.create body = the compiled pool"
        );
        assert_eq!(body["parent"], cluster_path.as_str());
    }
    assert_eq!(env.gke.state.lock().unwrap().creates, 0);
    assert_eq!(object_paths(&env).len(), env.documents().len());
}

#[test]
fn a_409_on_create_follows_the_existing_cluster_until_running() {
    let env = Env::new("seed.yaml");
    // Someone else's create is under way; our first look-up misses it (GKE's
    // own NOT_FOUND for this cluster: nothing else counts as absent).
    let req = env.cluster_request();
    env.gke.seed_provisioning(&req["cluster"], &env.location());
    let not_found = serde_json::json!({"error": {"code": 404, "status": "NOT_FOUND",
        "message": format!("Not found: {}/clusters/{}.", req["parent"].as_str().unwrap(),
            req["cluster"]["name"].as_str().unwrap())}});
    env.gke.server.fault(
        "GET",
        "/clusters/",
        Fault::Json(404, not_found.to_string()),
        1,
    );
    let run = env.run("apply", &["--yes"]);
    run.ok();
    assert!(
        run.stderr.contains("already exists (409)"),
        "{}",
        run.stderr
    );
    assert_eq!(env.gke.state.lock().unwrap().creates, 0);
    assert_eq!(object_paths(&env).len(), env.documents().len());
}

#[test]
fn an_interrupted_apply_resumes() {
    let env = Env::new("seed.yaml");
    // Interrupted while the cluster is provisioning: the operation's status
    // does not come back before the deadline.
    env.gke.server.fault(
        "GET",
        "/operations/",
        Fault::Delay(Duration::from_secs(5)),
        1000,
    );
    let first = env.run("apply", &["--yes", "--timeout", "2"]);
    env.gke.server.faults.lock().unwrap().clear();
    assert_eq!(first.code, 2, "{}", first.stderr);
    assert!(first.stderr.contains("timed out"), "{}", first.stderr);
    assert!(
        first.stderr.contains("/operations/"),
        "says what it waited for: {}",
        first.stderr
    );
    assert_eq!(env.gke.state.lock().unwrap().creates, 1);
    assert!(object_paths(&env).is_empty());
    // Run again: follows the same cluster, creates nothing twice.
    let again = env.run("apply", &["--yes"]);
    again.ok();
    assert_eq!(env.gke.state.lock().unwrap().creates, 1);
    assert_eq!(gke_posts(&env).len(), 1);
    assert_eq!(object_paths(&env).len(), env.documents().len());
}

#[test]
fn the_cluster_ca_is_enforced() {
    let env = Env::new("seed.yaml");
    // GKE reports a CA that did not sign the API server's certificate.
    env.gke.state.lock().unwrap().ca_base64 = apply_support::server::pki().ca_base64;
    let run = env.run("apply", &["--yes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.to_lowercase().contains("certificate") || run.stderr.contains("UnknownIssuer"),
        "{}",
        run.stderr
    );
    assert!(
        env.kube.server.requests().is_empty(),
        "no request got through"
    );
    assert!(object_paths(&env).is_empty());
    assert!(
        !run.stderr.contains("retrying"),
        "a bad certificate is not retried: {}",
        run.stderr
    );
}

#[test]
fn drift_in_immutable_fields_is_reported_and_gke_defaults_are_not_drift() {
    let env = Env::new("seed.yaml");
    let mut c = env.cluster_request()["cluster"].clone();
    c["networkConfig"]["datapathProvider"] = "LEGACY_DATAPATH".into();
    env.gke.seed_running(&c, &env.location());
    let run = env.run("apply", &["--yes"]);
    run.ok();
    let drift: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("drift:"))
        .collect();
    assert_eq!(drift.len(), 1, "{}", run.stderr);
    assert!(
        drift[0].contains("networkConfig.datapathProvider"),
        "{}",
        drift[0]
    );
    assert!(
        drift[0].contains("cannot be changed in place"),
        "{}",
        drift[0]
    );
}

#[test]
fn endpoint_override_env_var_joins_like_gcloud() {
    let env = Env::new("seed.yaml");
    let mut c = env.cmd();
    c.env(
        "CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER",
        format!("http://{}/gke/", env.gke.server.addr),
    )
    .arg("plan")
    .arg(&env.spec)
    .arg("--access-token-file")
    .arg(&env.token_file)
    .arg("--kubeconfig")
    .arg(&env.kubeconfig);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reqs = env.gke.server.requests();
    assert!(!reqs.is_empty());
    let parent = env.cluster_request()["parent"]
        .as_str()
        .unwrap()
        .to_string();
    for r in reqs {
        assert!(
            r.path.starts_with(&format!("/gke/v1/{parent}/clusters/")),
            "{}",
            r.path
        );
    }
}

#[test]
fn status_then_delete_workloads_then_the_cluster() {
    let env = Env::new("pytorch-a3.yaml");
    env.run("apply", &["--yes"]).ok();

    let st = env.run("status", &[]);
    st.ok();
    assert!(st.stdout.contains(": RUNNING"), "{}", st.stdout);
    assert!(st.stdout.contains("Job "), "{}", st.stdout);
    assert!(st.stdout.contains("ready"), "{}", st.stdout);

    // Delete needs a confirmation.
    let refused = env.run("delete", &[]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert_eq!(object_paths(&env).len(), env.documents().len());

    let del = env.run("delete", &["--yes"]);
    del.ok();
    assert!(object_paths(&env).is_empty(), "{:?}", object_paths(&env));
    let deletes: Vec<Request> = env
        .kube
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), env.documents().len());
    assert!(
        deletes
            .last()
            .unwrap()
            .path
            .starts_with("/api/v1/namespaces/"),
        "Namespace last"
    );
    assert_eq!(
        env.gke.state.lock().unwrap().clusters.len(),
        1,
        "cluster kept without --cluster"
    );

    let del = env.run("delete", &["--yes", "--cluster"]);
    del.ok();
    assert!(env.gke.state.lock().unwrap().clusters.is_empty());
    // As gcloud does: our kubeconfig entries go, the others stay.
    let kc = kubeconfig(&env);
    for list in ["clusters", "contexts", "users"] {
        let names: Vec<&str> = kc[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 1, "{list}: {names:?}");
        assert!(names[0].starts_with("other-"), "{names:?}");
    }
    assert_eq!(kc["current-context"], "");
    let st = env.run("status", &[]);
    st.ok();
    assert!(st.stdout.contains("does not exist"), "{}", st.stdout);
}

#[test]
fn spec_errors_stop_before_any_request() {
    let env = Env::new("seed.yaml");
    std::fs::write(
        &env.spec,
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\n",
    )
    .unwrap();
    let run = env.run("apply", &["--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(env.gke.server.requests().is_empty());
}

#[test]
fn access_token_file_must_hold_a_token() {
    let env = Env::new("seed.yaml");
    std::fs::write(&env.token_file, "  \n").unwrap();
    let run = env.run("apply", &["--yes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is empty"), "{}", run.stderr);
    assert!(env.gke.server.requests().is_empty());
}

/// Without --access-token-file: Application Default Credentials through a
/// service account key (GOOGLE_APPLICATION_CREDENTIALS) whose token_uri is a
/// fake OAuth endpoint. The key and the token never appear in the output.
#[test]
fn adc_service_account_key_is_exchanged_for_the_bearer() {
    use apply_support::server::{Handler, Response, Server};
    use std::sync::Arc;
    let env = Env::new("seed.yaml");
    let handler: Handler = Arc::new(|req: &Request| {
        let ok = req.method == "POST"
            && req.path == "/token"
            && req.header("content-type") == Some("application/x-www-form-urlencoded")
            && req
                .body
                .contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer")
            && req.body.contains("assertion=");
        if ok {
            Response::json(
                200,
                &serde_json::json!({"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"}),
            )
        } else {
            Response::json(400, &serde_json::json!({"error": "invalid_grant"}))
        }
    });
    let oauth = Server::start(None, handler);
    let pem_path = apply_support::example("x")
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("tests/fixtures/apply/test-only-service-account-key.pem");
    let pem = std::fs::read_to_string(pem_path).unwrap();
    let key = serde_json::json!({
        "type": "service_account",
        "project_id": "my-project",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "podwire-test@my-project.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": format!("http://{}/token", oauth.addr),
    });
    let key_file = env.dir.join("sa.json");
    std::fs::write(&key_file, key.to_string()).unwrap();
    let out = env
        .cmd()
        .env("GOOGLE_APPLICATION_CREDENTIALS", &key_file)
        .arg("apply")
        .arg(&env.spec)
        .arg("--yes")
        .arg("--gke-endpoint")
        .arg(env.gke.base())
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    for secret in [
        TOKEN,
        "BEGIN PRIVATE KEY",
        &pem.lines().nth(1).unwrap()[..40],
    ] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "secret printed"
        );
    }
    // The JWT assertion asked for the cloud-platform scope.
    let reqs = oauth.requests();
    assert!(!reqs.is_empty());
    // Form-encoded: padding '=' arrives as %3D.
    let assertion = reqs[0]
        .body
        .split("assertion=")
        .nth(1)
        .unwrap()
        .replace("%3D", "");
    let payload = assertion.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/cloud-platform"
    );
    assert_eq!(
        claims["iss"],
        "podwire-test@my-project.iam.gserviceaccount.com"
    );
    // The exchanged token is the bearer on both APIs.
    assert_eq!(env.gke.state.lock().unwrap().creates, 1);
    assert_eq!(object_paths(&env).len(), env.documents().len());
}

#[test]
fn kubeconfig_goes_to_the_first_kubeconfig_entry_else_home() {
    let env = Env::new("seed.yaml");
    let a = env.dir.join("a.yaml");
    let b = env.dir.join("b.yaml");
    let base = |c: &mut std::process::Command| {
        c.arg("apply")
            .arg(&env.spec)
            .arg("--yes")
            .arg("--gke-endpoint")
            .arg(env.gke.base())
            .arg("--access-token-file")
            .arg(&env.token_file);
    };
    let mut c = env.cmd();
    c.env("KUBECONFIG", format!("{}:{}", a.display(), b.display()));
    base(&mut c);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(a.exists() && !b.exists());
    let home_config = env.dir.join("home/.kube/config");
    assert!(!home_config.exists());
    let mut c = env.cmd();
    base(&mut c);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(home_config.exists(), "~/.kube/config written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in [&a, &home_config] {
            assert_eq!(
                std::fs::metadata(p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
    // kubectl-readable: parses, and names the context current.
    let kc = podwire::submit::kubeconfig::parse(&std::fs::read_to_string(&a).unwrap()).unwrap();
    assert!(kc["current-context"].as_str().unwrap().starts_with("gke_"));
}

#[test]
fn a_rejected_token_fails_fast_with_a_hint_and_is_not_printed() {
    let env = Env::new("seed.yaml");
    let wrong = "ya29.expired-WRONG-token-0b1c2d3e4f";
    std::fs::write(&env.token_file, format!("\n  {wrong}  \n")).unwrap();
    let run = env.run("apply", &["--yes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("HTTP 401"), "{}", run.stderr);
    assert!(
        run.stderr.contains("gcloud auth print-access-token"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(wrong) && !run.stdout.contains(wrong));
    assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
    // The trimmed token was sent.
    let reqs = env.gke.server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].header("authorization"),
        Some(format!("Bearer {wrong}").as_str())
    );
}

/// Every REST path comes from the API server's discovery, read once per
/// run: `/apis` and one resource list per group version the objects use.
#[test]
fn discovery_is_read_once_per_run() {
    let env = Env::new("mixed-stack.yaml");
    // The first read of the group list fails: retried like any request.
    env.kube
        .server
        .fault("GET", "/apis", Fault::Status(503, None), 1);
    env.run("apply", &["--yes"]).ok();
    let reqs = env.kube.server.requests();
    let discovery: Vec<&str> = reqs
        .iter()
        .filter(|r| r.method == "GET" && r.outcome == "ok")
        .map(|r| r.path.as_str())
        .filter(|p| {
            let segs = p.trim_start_matches('/').split('/').count();
            (p.starts_with("/api/") && segs == 2) || (p.starts_with("/apis") && segs <= 3)
        })
        .collect();
    let mut once = discovery.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), discovery.len(), "each once: {discovery:?}");
    for p in [
        "/apis",
        "/api/v1",
        "/apis/apps/v1",
        "/apis/networking.k8s.io/v1",
    ] {
        assert!(discovery.contains(&p), "{p} read: {discovery:?}");
    }
    // Discovery came before the first apply.
    let first_patch = reqs.iter().position(|r| r.method == "PATCH").unwrap();
    let last_discovery = reqs
        .iter()
        .rposition(|r| r.method == "GET" && r.path == "/apis/networking.k8s.io/v1")
        .unwrap();
    assert!(last_discovery < first_patch);
    assert_eq!(object_paths(&env).len(), env.documents().len());
}

#[test]
fn an_object_too_large_to_store_is_refused_before_anything_is_sent() {
    let env = Env::new("seed.yaml");
    let seed = std::fs::read_to_string(&env.spec).unwrap();
    let resources = "    resources: {cpu: 250m, memory: 512Mi}\n";
    assert!(seed.contains(resources));
    let big = format!("{resources}    env: {{BIG: \"{}\"}}\n", "x".repeat(2 << 20));
    std::fs::write(&env.spec, seed.replacen(resources, &big, 1)).unwrap();
    let run = env.run("apply", &["--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("PW0418"), "{}", run.stderr);
    assert!(env.gke.server.requests().is_empty(), "nothing sent to GKE");
    assert!(
        env.kube.server.requests().is_empty(),
        "nothing sent to the cluster"
    );
}
