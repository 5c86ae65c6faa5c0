//! A tiny HTTP/1.1 server (optionally over rustls) on 127.0.0.1:0 that
//! records every request and injects faults before the handler runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path without the query.
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
    /// What the server did with it ("ok" or the fault).
    pub outcome: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn query_has(&self, kv: &str) -> bool {
        self.query.split('&').any(|p| p == kv)
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn json(status: u16, v: &serde_json::Value) -> Response {
        Response {
            status,
            body: v.to_string(),
            headers: vec![],
        }
    }
}

#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status (and `Retry-After` seconds) without handling.
    Status(u16, Option<u64>),
    /// Answer with this status and JSON body without handling.
    Json(u16, String),
    /// Close the connection without handling or answering.
    Drop,
    /// Handle the request (state changes!), then close without answering.
    DropAfterHandling,
    /// Wait this long, then handle and answer (the client should time out).
    Delay(Duration),
}

#[derive(Debug, Clone)]
pub struct FaultRule {
    pub method: String,
    pub path_contains: String,
    pub fault: Fault,
    pub times: usize,
}

pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

pub struct Server {
    pub addr: String,
    pub log: Arc<Mutex<Vec<Request>>>,
    pub faults: Arc<Mutex<Vec<FaultRule>>>,
}

impl Server {
    pub fn start(tls: Option<Arc<rustls::ServerConfig>>, handler: Handler) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let faults: Arc<Mutex<Vec<FaultRule>>> = Arc::default();
        let (l2, f2) = (log.clone(), faults.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(tcp) = conn else { continue };
                let (log, faults, handler, tls) =
                    (l2.clone(), f2.clone(), handler.clone(), tls.clone());
                std::thread::spawn(move || {
                    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
                    match tls {
                        Some(cfg) => {
                            let Ok(conn) = rustls::ServerConnection::new(cfg) else {
                                return;
                            };
                            let stream = rustls::StreamOwned::new(conn, tcp);
                            serve(stream, &log, &faults, &handler);
                        }
                        None => serve(tcp, &log, &faults, &handler),
                    }
                });
            }
        });
        Server { addr, log, faults }
    }

    pub fn fault(&self, method: &str, path_contains: &str, fault: Fault, times: usize) {
        self.faults.lock().unwrap().push(FaultRule {
            method: method.into(),
            path_contains: path_contains.into(),
            fault,
            times,
        });
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    pub fn clear_log(&self) {
        self.log.lock().unwrap().clear();
    }
}

fn read_request<S: Read>(r: &mut BufReader<S>) -> Option<Request> {
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if let Some(n) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(n, 0);
        r.read_exact(&mut body).ok()?;
    } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut sz = String::new();
            r.read_line(&mut sz).ok()?;
            let n = usize::from_str_radix(sz.trim(), 16).ok()?;
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    Some(Request {
        method,
        path,
        query,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
        outcome: "ok".into(),
    })
}

fn write_response<S: Write>(s: &mut S, resp: &Response) {
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        resp.status,
        resp.body.len()
    );
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(resp.body.as_bytes());
    let _ = s.flush();
}

fn serve<S: Read + Write>(
    stream: S,
    log: &Mutex<Vec<Request>>,
    faults: &Mutex<Vec<FaultRule>>,
    handler: &Handler,
) {
    let mut r = BufReader::new(stream);
    let Some(mut req) = read_request(&mut r) else {
        return;
    };
    let fault = {
        let mut fs = faults.lock().unwrap();
        let hit = fs
            .iter_mut()
            .find(|f| f.times > 0 && f.method == req.method && req.path.contains(&f.path_contains));
        hit.map(|f| {
            f.times -= 1;
            f.fault.clone()
        })
    };
    req.outcome = match &fault {
        None => "ok".into(),
        Some(f) => format!("{f:?}"),
    };
    log.lock().unwrap().push(req.clone());
    let mut stream = r.into_inner();
    match fault {
        None => write_response(&mut stream, &handler(&req)),
        Some(Fault::Status(code, ra)) => {
            let mut resp = Response::json(
                code,
                &serde_json::json!({"error": {"code": code, "message": format!("injected {code}")},
                    "kind": "Status", "message": format!("injected {code}"), "code": code}),
            );
            if let Some(s) = ra {
                resp.headers.push(("Retry-After".into(), s.to_string()));
            }
            write_response(&mut stream, &resp);
        }
        Some(Fault::Json(code, body)) => write_response(
            &mut stream,
            &Response {
                status: code,
                body,
                headers: vec![],
            },
        ),
        Some(Fault::Drop) => {}
        Some(Fault::DropAfterHandling) => {
            let _ = handler(&req);
        }
        Some(Fault::Delay(d)) => {
            std::thread::sleep(d);
            write_response(&mut stream, &handler(&req));
        }
    }
    // Dropping the stream closes the connection (without a TLS close_notify
    // for dropped ones: an abrupt end, as a network failure looks).
    drop(stream);
}

/// A CA and a server certificate for 127.0.0.1 signed by it.
pub struct Pki {
    /// The CA certificate as GKE's `masterAuth.clusterCaCertificate` holds it
    /// (base64 of the PEM).
    pub ca_base64: String,
    pub server: Arc<rustls::ServerConfig>,
}

pub fn pki() -> Pki {
    use base64::Engine;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "podwire test cluster CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
    let cert = params.signed_by(&key, &issuer).expect("server cert");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone(), ca_cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config");
    Pki {
        ca_base64: base64::engine::general_purpose::STANDARD.encode(ca_cert.pem()),
        server: Arc::new(server),
    }
}
