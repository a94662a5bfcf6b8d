//! A real S3-compatible object store for the tests: a single-node Garage
//! (crates.io `garage`, a separate server program; `.ci/run` installs it)
//! on loopback ports, with its metadata and data in a temporary folder.
//!
//! The server runs under a small shell watchdog in a process group of its
//! own: dropping [`Garage`] kills the group, and if the test binary dies
//! first the watchdog notices and stops the server, so no store outlives
//! its test.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Garage {
    dir: tempfile::TempDir,
    config: PathBuf,
    server: Option<Child>,
    pub endpoint: String,
    pub key_id: String,
    pub secret: String,
}

/// The `garage` program: `QINGLANG_TEST_GARAGE`, else on `PATH`, else
/// cargo's bin folder (where `cargo install garage` puts it).
fn program() -> PathBuf {
    if let Ok(path) = std::env::var("QINGLANG_TEST_GARAGE") {
        return PathBuf::from(path);
    }
    let on_path = Command::new("garage")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if on_path {
        return PathBuf::from("garage");
    }
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
        });
    home.join("bin/garage")
}

/// The metadata engine: LMDB, Garage's recommended one, when the program
/// was built with it; else SQLite.
fn metadata_engine() -> &'static str {
    let version = Command::new(program())
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if version.contains("lmdb") {
        "lmdb"
    } else {
        "sqlite"
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Garage {
    /// Starts a node, gives it a layout, and creates a key and `bucket`.
    pub fn start(bucket: &str) -> Garage {
        let dir = tempfile::tempdir().expect("garage dir");
        let (rpc, s3, admin) = (free_port(), free_port(), free_port());
        let config = dir.path().join("garage.toml");
        let secret: String = (0..32)
            .map(|i| format!("{:02x}", (i * 37 + 11) % 256))
            .collect();
        std::fs::write(
            &config,
            format!(
                r#"metadata_dir = "{meta}"
data_dir = "{data}"
db_engine = "{engine}"
replication_factor = 1
# Evidence is mostly PNG, JPEG and PDF, compressed already: zstd on top
# costs the store CPU for nothing.
compression_level = "none"
rpc_bind_addr = "127.0.0.1:{rpc}"
rpc_public_addr = "127.0.0.1:{rpc}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:{s3}"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:{admin}"
admin_token = "qinglang-test"
"#,
                meta = dir.path().join("meta").display(),
                data = dir.path().join("data").display(),
                engine = metadata_engine(),
            ),
        )
        .expect("garage config");
        let mut garage = Garage {
            dir,
            config,
            server: None,
            endpoint: format!("http://127.0.0.1:{s3}"),
            key_id: String::new(),
            secret: String::new(),
        };
        garage.run_server();
        let node = garage.wait_for_node();
        garage.cli(&["layout", "assign", "-z", "dc1", "-c", "1G", &node]);
        garage.cli(&["layout", "apply", "--version", "1"]);
        let key = garage.cli(&["key", "create", "qinglang-test"]);
        let field = |label: &str| {
            key.lines()
                .find_map(|line| line.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
                .unwrap_or_else(|| panic!("no {label} in: {key}"))
        };
        garage.key_id = field("Key ID:");
        garage.secret = field("Secret key:");
        garage.create_bucket(bucket);
        garage.wait_for_s3();
        garage
    }

    pub fn create_bucket(&self, bucket: &str) {
        self.cli(&["bucket", "create", bucket]);
        self.cli(&[
            "bucket",
            "allow",
            "--read",
            "--write",
            "--owner",
            bucket,
            "--key",
            "qinglang-test",
        ]);
    }

    fn run_server(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.log")).expect("log");
        let child = Command::new("sh")
            .args([
                "-c",
                // Serve until the test binary ($2) is gone, then stop.
                r#""$1" -c "$3" server & server=$!
                   while kill -0 "$2" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 1; done
                   kill "$server" 2>/dev/null; wait"#,
                "garage-watchdog",
            ])
            .arg(program())
            .arg(std::process::id().to_string())
            .arg(&self.config)
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("garage starts (cargo install garage --locked)");
        self.server = Some(child);
    }

    /// Runs the command-line client; its standard output.
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new(program())
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .expect("garage runs");
        assert!(
            output.status.success(),
            "garage {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits until the server answers on its RPC port (`status` asks it;
    /// `node id` alone only reads the key file); its node id.
    fn wait_for_node(&self) -> String {
        let started = Instant::now();
        loop {
            let ask = |args: &[&str]| {
                Command::new(program())
                    .arg("-c")
                    .arg(&self.config)
                    .args(args)
                    .env("RUST_LOG", "warn")
                    .output()
                    .expect("garage runs")
            };
            let id = ask(&["node", "id", "-q"]);
            if id.status.success() && ask(&["status"]).status.success() {
                let id = String::from_utf8_lossy(&id.stdout);
                return id.trim().chars().take(16).collect();
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "garage did not start: {}",
                std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for_s3(&self) {
        let address = self.endpoint.trim_start_matches("http://").to_owned();
        let started = Instant::now();
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "no S3 port");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (the store is down); [`Garage::restart`] brings it
    /// back with its data.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.run_server();
        self.wait_for_node();
        self.wait_for_s3();
    }

    /// Configures `config` to keep evidence in `bucket` of this store.
    pub fn configure(&self, config: &mut qinglang::Config, bucket: &str) {
        config.storage_url = Some(format!("s3://{bucket}/evidence"));
        config.s3_endpoint = Some(self.endpoint.clone());
        config.aws_access_key_id = Some(self.key_id.clone());
        config.aws_secret_access_key = Some(self.secret.clone());
        config.aws_region = Some("garage".into());
        config.s3_timeout_secs = 5;
    }

    /// A client of this store, for tests that look into the bucket.
    pub fn client(&self, bucket: &str) -> object_store::aws::AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_access_key_id(&self.key_id)
            .with_secret_access_key(&self.secret)
            .with_region("garage")
            .build()
            .expect("s3 client")
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        self.stop();
    }
}
