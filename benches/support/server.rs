//! The release server for benchmarks that go through HTTP: its own process
//! on a free loopback port, a fresh data folder on SQLite, a moderator
//! account, logged in. Include it with
//! `#[path = "support/server.rs"] mod server;`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const SECRET: &str = "bench-secret-key-0123456789abcdef0123456789";
const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "correct horse battery staple";

/// A running server; stopped when dropped.
pub struct BenchServer {
    child: Child,
    pub base: String,
    pub http: reqwest::Client,
    /// A moderator's bearer token.
    pub token: String,
}

impl Drop for BenchServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn qinglang(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qinglang"));
    command
        .env("QINGLANG_DATA_DIR", data)
        .env("QINGLANG_SECRET_KEY", SECRET)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    command
}

impl BenchServer {
    /// Empties `data`, adds a moderator, starts the server with `env` on
    /// top of the defaults (client addresses from `X-Forwarded-For`, no
    /// total filing limit, no mail worker), waits until it is ready and logs in.
    pub async fn start(data: &Path, env: &[(&str, &str)]) -> BenchServer {
        let _ = std::fs::remove_dir_all(data);
        std::fs::create_dir_all(data).expect("data dir");
        let mut add = qinglang(data)
            .args(["user", "add", "--email", EMAIL, "--role", "moderator"])
            .arg("--password-stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("user add");
        {
            use std::io::Write;
            add.stdin
                .take()
                .expect("stdin")
                .write_all(format!("{PASSWORD}\n").as_bytes())
                .expect("password");
        }
        assert!(add.wait().expect("user add").success());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("port");
        let mut command = qinglang(data);
        command
            .env("QINGLANG_BIND", format!("127.0.0.1:{port}"))
            .env("QINGLANG_TRUST_PROXY", "true")
            .env("QINGLANG_FILING_LIMIT_TOTAL", "0")
            .env("QINGLANG_MAIL_WORKER", "false");
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("server starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let ready_by = Instant::now() + Duration::from_secs(60);
        while !http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < ready_by, "server not ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let login: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": EMAIL, "password": PASSWORD}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        let token = login["token"].as_str().expect("token").to_owned();
        BenchServer {
            child,
            base,
            http,
            token,
        }
    }

    /// The case detail a moderator sees.
    pub async fn case(&self, reference: &str) -> Value {
        self.http
            .get(format!("{}/api/v1/cases/{reference}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("case")
            .json()
            .await
            .expect("json")
    }
}
