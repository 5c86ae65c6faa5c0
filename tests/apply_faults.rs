//! The submitter under faults (issue 16), against the local fakes, a
//! recorder that plays any reply, a reverse proxy, an endpoint that never
//! answers and a port where nothing listens: nothing secret on the wire in
//! clear text or in any output, no "absent" or "done" without Google's own
//! word, every run bounded by `--timeout`, and a delete that finishes
//! whatever happens to stdout. `Run::of` fails any test whose output holds
//! the token or a panic.

mod apply_support;

use apply_support::server::{self, Fault, Request, Response, Server, Silent};
use apply_support::{Env, Run, TOKEN};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn gke_posts(env: &Env) -> Vec<Request> {
    env.gke
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect()
}

fn object_count(env: &Env) -> usize {
    env.kube.state.lock().unwrap().objects.len()
}

fn cluster_exists(env: &Env) -> bool {
    !env.gke.state.lock().unwrap().clusters.is_empty()
}

/// Run and time it.
fn timed(f: impl FnOnce() -> Run) -> (Run, Duration) {
    let t = Instant::now();
    let r = f();
    (r, t.elapsed())
}

fn seed(env: &Env) {
    env.gke
        .seed_running(&env.cluster_request()["cluster"], &env.location());
}

// ---- the token ----------------------------------------------------------

#[test]
fn plain_http_to_anything_but_loopback_is_refused_before_connecting() {
    let env = Env::new("seed.yaml");
    // The token file does not even exist: the endpoint is refused first.
    std::fs::remove_file(&env.token_file).unwrap();
    for endpoint in ["http://gke.example.com/", "http://10.0.0.1:8080/"] {
        let (run, took) = timed(|| env.run_at(endpoint, "apply", &["--yes"]));
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("plain HTTP"), "{}", run.stderr);
        assert!(run.stderr.contains("--gke-endpoint"), "{}", run.stderr);
        assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
    let out = env
        .cmd()
        .env(
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER",
            "http://gke.example.com/",
        )
        .arg("delete")
        .arg(&env.spec)
        .args(["--yes", "--cluster", "--access-token-file"])
        .arg(&env.token_file)
        .output()
        .unwrap();
    let run = Run::of(out);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("plain HTTP"), "{}", run.stderr);
    // Loopback stays allowed (every other test runs on it).
    assert!(env.gke.server.requests().is_empty());
}

#[test]
fn an_error_page_echoing_the_token_is_printed_without_it() {
    let env = Env::new("seed.yaml");
    let echo = |status: u16| {
        move |req: &Request| {
            let headers: String = req
                .headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}<br>"))
                .collect();
            Response::text(
                status,
                "text/html",
                format!("<html><h1>Bad request</h1>Your request: {headers}</html>"),
            )
        }
    };
    for status in [400, 503] {
        let rec = Server::recorder(echo(status));
        let run = env.run_at(&rec.base(), "status", &[]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("<redacted>"), "{}", run.stderr);
        // The request did carry it.
        assert_eq!(
            rec.requests()[0].header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
}

// ---- "absent" and "exists" only on Google's word -----------------------

#[test]
fn an_html_404_from_a_proxy_is_not_absence() {
    let env = Env::new("seed.yaml");
    seed(&env);
    // A proxy in front of GKE answers clusters.get with its own 404 page.
    let proxy = Server::proxy(&env.gke.server.addr, |req| {
        (req.method == "GET" && req.path.contains("/clusters/")).then(|| {
            Response::text(
                404,
                "text/html",
                "<html><body><h1>404 Not Found</h1>nginx</body></html>",
            )
        })
    });
    let run = env.run_at(&proxy.base(), "delete", &["--yes", "--cluster"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("nothing to delete"), "{}", run.stdout);
    assert!(run.stderr.contains("HTTP 404"), "{}", run.stderr);
    assert!(
        run.stderr.contains("nginx"),
        "the page is quoted: {}",
        run.stderr
    );
    assert!(cluster_exists(&env), "the cluster was not touched");
    // The same proxy, forwarding everything: the cluster is deleted.
    let plain = Server::proxy(&env.gke.server.addr, |_| None);
    env.run_at(&plain.base(), "delete", &["--yes", "--cluster"])
        .ok();
    assert!(!cluster_exists(&env));
}

#[test]
fn a_stray_v1_in_the_endpoint_is_not_absence() {
    let env = Env::new("seed.yaml");
    seed(&env);
    let endpoint = format!("{}v1/", env.gke.base());
    let run = env.run_at(&endpoint, "delete", &["--yes", "--cluster"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("nothing to delete"), "{}", run.stdout);
    assert!(
        run.stderr.contains("/v1/v1/"),
        "names the endpoint: {}",
        run.stderr
    );
    assert!(cluster_exists(&env));
    // And Google's own NOT_FOUND for another resource is not absence either.
    let rec = Server::recorder(|_| {
        Response::json(
            404,
            &json!({"error": {"code": 404, "status": "NOT_FOUND", "message": "Not found: projects/my-project/locations/us-central1-a/clusters/someone-else."}}),
        )
    });
    let run = env.run_at(&rec.base(), "delete", &["--yes", "--cluster"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("nothing to delete"), "{}", run.stdout);
}

#[test]
fn googles_own_not_found_is_absence() {
    let env = Env::new("seed.yaml");
    let run = env.run("delete", &["--yes", "--cluster"]);
    run.ok();
    assert!(run.stdout.contains("nothing to delete"), "{}", run.stdout);
}

#[test]
fn a_200_that_is_not_a_cluster_is_an_error_at_once() {
    let env = Env::new("seed.yaml");
    for (ty, body) in [
        (
            "text/html",
            "<html><body>Welcome to our portal</body></html>",
        ),
        ("application/json", "{}"),
        (
            "application/json",
            "{\"name\": \"my-ai-cluster\", \"status\": \"RUNN",
        ),
    ] {
        let rec = Server::recorder(move |_| Response::text(200, ty, body));
        let (run, took) = timed(|| env.run_at(&rec.base(), "apply", &["--yes"]));
        assert_eq!(run.code, 2, "{body}: {}", run.stderr);
        assert!(
            run.stderr.contains("not JSON") || run.stderr.contains("not a GKE cluster"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("exists ("), "{}", run.stderr);
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_eq!(rec.requests().len(), 1, "no second request");
    }
}

// ---- the deadline ---------------------------------------------------------

#[test]
fn an_api_that_never_answers_is_bounded_by_the_timeout() {
    let env = Env::new("seed.yaml");
    let silent = Silent::start();
    // Requests may wait up to 60 s each, eight times: the deadline wins.
    let (run, took) = timed(|| {
        Run::of(
            env.cmd()
                .env("PODWIRE_HTTP_TIMEOUT_MS", "60000")
                .arg("apply")
                .arg(&env.spec)
                .args(["--yes", "--timeout", "3", "--gke-endpoint", &silent.base()])
                .arg("--access-token-file")
                .arg(&env.token_file)
                .arg("--kubeconfig")
                .arg(&env.kubeconfig)
                .output()
                .unwrap(),
        )
    });
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(took < Duration::from_secs(7), "{took:?}");
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("waiting for an answer from GKE API GET"),
        "says what it waited for: {}",
        run.stderr
    );
    assert!(silent.accepted() >= 1);
}

#[test]
fn a_retry_after_beyond_the_deadline_is_not_honoured() {
    let env = Env::new("seed.yaml");
    env.gke
        .server
        .fault("GET", "/clusters/", Fault::Status(429, Some(3600)), 100);
    let (run, took) = timed(|| env.run("apply", &["--yes", "--timeout", "5"]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert!(run.stderr.contains("past the deadline"), "{}", run.stderr);
    assert!(run.stderr.contains("3600"), "{}", run.stderr);
}

#[test]
fn a_cluster_that_keeps_refusing_node_pools_is_bounded_by_the_timeout() {
    let env = Env::new("mixed-stack.yaml");
    let mut partial = env.cluster_request()["cluster"].clone();
    let first = partial["nodePools"][0].clone();
    partial["nodePools"] = Value::Array(vec![first]);
    env.gke.seed_running(&partial, &env.location());
    env.gke.server.fault(
        "POST",
        "/nodePools",
        Fault::Json(
            400,
            r#"{"error":{"code":400,"message":"Cluster is running incompatible operation operation-9.","status":"FAILED_PRECONDITION"}}"#.into(),
        ),
        100_000,
    );
    let (run, took) = timed(|| env.run("apply", &["--yes", "--timeout", "3"]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(took < Duration::from_secs(7), "{took:?}");
    let posts = gke_posts(&env).len();
    assert!(
        (2..40).contains(&posts),
        "backoff, not a busy loop: {posts} POSTs"
    );
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    assert!(
        run.stderr.contains("to accept node pool"),
        "says what it waited for: {}",
        run.stderr
    );
}

#[test]
fn the_largest_timeout_is_no_panic() {
    let env = Env::new("seed.yaml");
    env.run("apply", &["--yes", "--timeout", "18446744073709551615"])
        .ok();
    assert_eq!(object_count(&env), env.documents().len());
    env.run("delete", &["--yes", "--timeout", "18446744073709551615"])
        .ok();
}

#[test]
fn a_refused_first_connection_fails_at_once_naming_the_endpoint() {
    let env = Env::new("seed.yaml");
    let addr = server::closed_port();
    let (run, took) = timed(|| {
        Run::of(
            env.cmd()
                .env("PODWIRE_BACKOFF_MS", "1000")
                .arg("apply")
                .arg(&env.spec)
                .args(["--yes", "--gke-endpoint", &format!("http://{addr}/")])
                .arg("--access-token-file")
                .arg(&env.token_file)
                .arg("--kubeconfig")
                .arg(&env.kubeconfig)
                .output()
                .unwrap(),
        )
    });
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(run.stderr.contains(&addr), "{}", run.stderr);
    assert!(run.stderr.contains("connection refused"), "{}", run.stderr);
    assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
}

#[test]
fn a_body_over_the_size_limit_is_not_retried() {
    let env = Env::new("seed.yaml");
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(11 << 20));
    let rec = Server::recorder(move |_| Response::text(200, "application/json", big.clone()));
    // Time enough to read 11 MB on a loaded machine: the limit, not a
    // timeout, must end it.
    let run = Run::of(
        env.cmd()
            .env("PODWIRE_HTTP_TIMEOUT_MS", "20000")
            .arg("status")
            .arg(&env.spec)
            .args(["--gke-endpoint", &rec.base()])
            .arg("--access-token-file")
            .arg(&env.token_file)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
    assert_eq!(rec.requests().len(), 1);
}

// ---- output ---------------------------------------------------------------

#[test]
fn a_closed_stdout_never_stops_a_delete_halfway() {
    let env = Env::new("mixed-stack.yaml");
    env.run("apply", &["--yes"]).ok();
    assert!(object_count(&env) > 4);
    let mut c = env.cmd();
    c.arg("delete")
        .arg(&env.spec)
        .args(["--yes", "--cluster", "--gke-endpoint", &env.gke.base()])
        .arg("--access-token-file")
        .arg(&env.token_file)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    // As `| head -0` would: the reader is gone before the first line.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let run = Run::of(out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(object_count(&env), 0, "every object deleted");
    assert!(!cluster_exists(&env), "and the cluster");
}

// ---- "done" only on Google's word ---------------------------------------

#[test]
fn an_operation_done_with_an_error_without_message_is_a_failure() {
    let env = Env::new("seed.yaml");
    env.gke.state.lock().unwrap().fail_create = Some(String::new());
    let run = env.run("apply", &["--yes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("without a message"), "{}", run.stderr);
    assert_eq!(object_count(&env), 0);
}

#[test]
fn a_running_cluster_without_an_endpoint_says_so() {
    let env = Env::new("seed.yaml");
    seed(&env);
    for c in env.gke.state.lock().unwrap().clusters.values_mut() {
        c.as_object_mut().unwrap().remove("endpoint");
    }
    for (sub, extra) in [("apply", &["--yes"][..]), ("delete", &["--yes"][..])] {
        let (run, took) = timed(|| env.run(sub, extra));
        assert_eq!(run.code, 2, "{sub}: {}", run.stderr);
        assert!(
            run.stderr.contains("without an endpoint"),
            "{sub}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("wait until it is RUNNING"),
            "{}",
            run.stderr
        );
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
    assert!(env.kube.server.requests().is_empty());
}

// ---- what held before keeps holding ------------------------------------

#[test]
fn redirects_are_not_followed() {
    let env = Env::new("seed.yaml");
    let target = format!("{}v1/", env.gke.base());
    let rec = Server::recorder(move |req| {
        Response::text(302, "text/html", "moved")
            .header("Location", &format!("{target}{}", req.path))
    });
    let run = env.run_at(&rec.base(), "status", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("302"), "{}", run.stderr);
    assert!(env.gke.server.requests().is_empty(), "not followed");
}

#[test]
fn the_cluster_certificate_must_name_it_and_be_valid() {
    for (what, pki) in [
        ("wrong name", server::pki_for(&["kube.example"], false)),
        ("expired", server::pki_for(&["127.0.0.1"], true)),
    ] {
        let env = Env::with_pki("seed.yaml", pki);
        seed(&env);
        let run = env.run("apply", &["--yes"]);
        assert_eq!(run.code, 2, "{what}: {}", run.stderr);
        assert!(run.stderr.contains("TLS failure"), "{what}: {}", run.stderr);
        assert!(!run.stderr.contains("retrying"), "{what}: {}", run.stderr);
        assert!(
            env.kube.server.requests().is_empty(),
            "{what}: nothing got through"
        );
        assert_eq!(object_count(&env), 0);
    }
}

// ---- the deadline covers credentials and the kubeconfig lock ------------

/// Run `c`, killing it if it outlives `limit` (so that a hang fails the
/// test instead of stalling it), and time it.
fn run_within(mut c: std::process::Command, limit: Duration) -> (Run, Duration) {
    use std::process::Stdio;
    let t = Instant::now();
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let killer = std::thread::spawn(move || {
        if rx.recv_timeout(limit).is_err() {
            // Still running: end it (by its own pid only).
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
    });
    let out = child.wait_with_output().unwrap();
    let _ = tx.send(());
    let _ = killer.join();
    let took = t.elapsed();
    (Run::of(out), took)
}

/// A service account key whose token endpoint is `token_uri`.
fn service_account_key(env: &Env, token_uri: &str) -> std::path::PathBuf {
    let pem = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/apply/test-only-service-account-key.pem"),
    )
    .unwrap();
    let key = json!({
        "type": "service_account",
        "project_id": "my-project",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "podwire-test@my-project.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": token_uri,
    });
    let path = env.dir.join("sa.json");
    std::fs::write(&path, key.to_string()).unwrap();
    path
}

#[test]
fn a_token_endpoint_that_never_answers_is_bounded_by_the_timeout() {
    let env = Env::new("seed.yaml");
    let silent = Silent::start();
    let key = service_account_key(&env, &format!("http://{}/token", silent.addr));
    let mut c = env.cmd();
    c.env("GOOGLE_APPLICATION_CREDENTIALS", &key)
        .arg("apply")
        .arg(&env.spec)
        .args(["--yes", "--timeout", "2", "--gke-endpoint", &env.gke.base()])
        .arg("--kubeconfig")
        .arg(&env.kubeconfig);
    let (run, took) = run_within(c, Duration::from_secs(20));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(took < Duration::from_secs(6), "{took:?}: {}", run.stderr);
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    assert!(
        run.stderr.contains("waiting for an access token from")
            && run.stderr.contains("GOOGLE_APPLICATION_CREDENTIALS")
            && run.stderr.contains(&silent.addr),
        "says what it waited for: {}",
        run.stderr
    );
    assert!(silent.accepted() >= 1, "the token endpoint was asked");
    assert!(env.gke.server.requests().is_empty(), "nothing sent to GKE");
}

#[test]
fn a_token_endpoint_over_plain_http_elsewhere_is_refused() {
    let env = Env::new("seed.yaml");
    let key = service_account_key(&env, "http://oauth.example/token");
    let mut c = env.cmd();
    c.env("GOOGLE_APPLICATION_CREDENTIALS", &key)
        .arg("status")
        .arg(&env.spec)
        .args(["--gke-endpoint", &env.gke.base()]);
    let (run, took) = run_within(c, Duration::from_secs(20));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(run.stderr.contains("plain HTTP"), "{}", run.stderr);
    assert!(run.stderr.contains("token_uri"), "{}", run.stderr);
    assert!(env.gke.server.requests().is_empty());
}

#[test]
fn a_held_kubeconfig_lock_is_waited_for_only_until_the_deadline() {
    let env = Env::new("seed.yaml");
    seed(&env);
    let mut lock = env.kubeconfig.clone().into_os_string();
    lock.push(".lock");
    let lock = std::path::PathBuf::from(lock);
    // Another writer holds it (and names itself, as podwire does).
    std::fs::write(&lock, "4242").unwrap();
    let (run, took) = timed(|| env.run("apply", &["--yes", "--timeout", "2"]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    // Not the 10 s a stale lock is given.
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("waiting for the lock {}", lock.display())),
        "names the lock: {}",
        run.stderr
    );
    assert!(run.stderr.contains("process 4242"), "{}", run.stderr);
    assert!(lock.exists(), "someone else's lock is left alone");
    assert_eq!(
        std::fs::read_to_string(&env.kubeconfig).unwrap(),
        apply_support::OTHER_KUBECONFIG,
        "the kubeconfig is untouched"
    );
    assert_eq!(object_count(&env), 0, "nothing applied after the failure");

    // delete --cluster removes the cluster, then waits for the lock as long
    // as the deadline allows.
    let (run, took) = timed(|| env.run("delete", &["--yes", "--cluster", "--timeout", "2"]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(
        run.stderr.contains("waiting for the lock"),
        "{}",
        run.stderr
    );

    // Released: the next apply goes through.
    std::fs::remove_file(&lock).unwrap();
    seed(&env);
    env.run("apply", &["--yes"]).ok();
}
