//! A tiny HTTP/1.1 server (optionally over rustls) on 127.0.0.1:0 that
//! records every request and injects faults before the handler runs; a
//! recorder that plays one reply to everything, a reverse proxy in front of
//! another server, an endpoint that accepts connections and never answers,
//! and test PKIs (good, wrong name, expired).

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

    /// Any body, with its content type.
    pub fn text(status: u16, content_type: &str, body: impl Into<String>) -> Response {
        Response {
            status,
            body: body.into(),
            headers: vec![("Content-Type".into(), content_type.into())],
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Response {
        self.headers.push((k.into(), v.into()));
        self
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

    /// A recorder: plays `play(request)` to every request, and logs them.
    pub fn recorder(play: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Server {
        Server::start(None, Arc::new(play))
    }

    /// A reverse proxy to `upstream` (plain HTTP): `intercept` may answer a
    /// request itself (as a proxy's own error page), else it is forwarded.
    pub fn proxy(
        upstream: &str,
        intercept: impl Fn(&Request) -> Option<Response> + Send + Sync + 'static,
    ) -> Server {
        let upstream = upstream.to_string();
        Server::start(
            None,
            Arc::new(move |req: &Request| {
                intercept(req).unwrap_or_else(|| forward(&upstream, req))
            }),
        )
    }

    /// `http://<addr>/`.
    pub fn base(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

/// Send `req` to `upstream` and read its answer (the fakes close the
/// connection after one exchange).
fn forward(upstream: &str, req: &Request) -> Response {
    let Ok(mut tcp) = std::net::TcpStream::connect(upstream) else {
        return Response::text(502, "text/html", "<html>502 Bad Gateway</html>");
    };
    let target = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    let mut head = format!("{} {target} HTTP/1.1\r\n", req.method);
    for (k, v) in &req.headers {
        if !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("transfer-encoding")
        {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        req.body.len()
    ));
    let _ = tcp.write_all(head.as_bytes());
    let _ = tcp.write_all(req.body.as_bytes());
    let mut raw = String::new();
    let _ = tcp.read_to_string(&mut raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(502);
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("connection")
        })
        .collect();
    Response {
        status,
        body: body.to_string(),
        headers,
    }
}

/// An endpoint that accepts connections and never answers them.
pub struct Silent {
    pub addr: String,
    pub connections: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl Silent {
    pub fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let connections: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::default();
        let kept = connections.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                // Kept open, never read from or written to.
                kept.lock().unwrap().push(conn);
            }
        });
        Silent { addr, connections }
    }

    pub fn base(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn accepted(&self) -> usize {
        self.connections.lock().unwrap().len()
    }
}

/// A loopback address on which nothing listens (bound, then released).
pub fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    drop(l);
    addr
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
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        resp.status,
        resp.body.len()
    );
    if !resp
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("Content-Type: application/json\r\n");
    }
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
    pki_for(&["127.0.0.1"], false)
}

/// A CA and a server certificate for these names (the API server is
/// reached at 127.0.0.1), valid now or long expired.
pub fn pki_for(names: &[&str], expired: bool) -> Pki {
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
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("params");
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
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
