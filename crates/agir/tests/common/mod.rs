//! A minimal HTTP/1.1 client over a real socket, shared by the tests of the binary.

#![allow(dead_code, reason = "each test binary uses a part of it")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agir_http::routes::auth::LoginRequest;
use serde_json::Value;

/// The body of a login.
fn credentials(email: &str, password: &str) -> Value {
    serde_json::to_value(LoginRequest {
        email: email.to_owned(),
        password: password.to_owned(),
    })
    .unwrap_or_default()
}

/// An answer, read whole.
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Response {
    /// The body as JSON (`null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// One exchange on a new connection; `None` when the server cannot be reached or
/// answers nothing readable.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    // Chunked bodies are not used by these endpoints' JSON answers.
    Some(Response {
        status,
        content_type,
        body: body.to_owned(),
    })
}

/// A JSON exchange that must answer `expected`; its body.
#[track_caller]
pub fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    expected: u16,
) -> Value {
    let response = http(addr, method, path, token, body)
        .unwrap_or_else(|| panic!("{method} {path}: no answer"));
    assert_eq!(
        response.status, expected,
        "{method} {path}: {}",
        response.body
    );
    serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("{method} {path}: {e}: {}", response.body))
}

/// The access token of a login, or `None` when it is refused.
pub fn try_login(addr: SocketAddr, email: &str, password: &str) -> Option<String> {
    let body = credentials(email, password);
    let response = http(addr, "POST", "/api/v1/auth/login", None, Some(&body))?;
    if response.status != 200 {
        return None;
    }
    response.json()["access_token"].as_str().map(str::to_owned)
}

/// The access token of a login that must succeed.
#[track_caller]
pub fn login(addr: SocketAddr, email: &str, password: &str) -> String {
    let body = credentials(email, password);
    let answer = call(addr, "POST", "/api/v1/auth/login", None, Some(&body), 200);
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("login of {email}: no access token in {answer}"))
        .to_owned()
}

/// Whether `/readyz` answers 200 before `timeout`.
pub fn ready_within(addr: SocketAddr, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if http(addr, "GET", "/readyz", None, None).is_some_and(|r| r.status == 200) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A local address nobody listens on (yet).
pub fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// The binary serving on its own PostgreSQL in `data_dir` (no `DATABASE_URL`), at a
/// free address, once it answers `/readyz`.
pub fn serve_embedded(data_dir: &Path, log: &str) -> (Child, SocketAddr) {
    let addr = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_agir"))
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env_remove("AGIR_JWT_SECRET")
        .env("AGIR_DATA_DIR", data_dir)
        .env("AGIR_BIND", addr.to_string())
        .env("RUST_LOG", log)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("the server did not start: {e}"));
    assert!(
        ready_within(addr, Duration::from_secs(120)),
        "the server did not become ready at {addr}"
    );
    (child, addr)
}
