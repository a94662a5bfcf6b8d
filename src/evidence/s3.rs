//! Evidence in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage),
//! chosen by `QINGLANG_STORAGE_URL=s3://bucket/prefix`.
//!
//! Uploads are still spooled to a local staging folder first (intake checks
//! and strips the file there); `commit` then sends the staged file to the
//! bucket, in parts of [`PART_BYTES`] when it is larger than one part, so a
//! file is never held whole in memory. `open` streams an object into a
//! local temporary file, which readers can seek in as they would on disk.
//!
//! `object_store` is asynchronous while [`EvidenceStore`] is called from
//! blocking threads (the database's, the signals worker's): this store owns
//! a small runtime of its own and blocks on it, so its I/O never waits for
//! the HTTP workers' runtimes.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{
    ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart,
};
use tempfile::NamedTempFile;

use super::store::{is_key, new_key, EvidenceStore, StoredFile};

/// Size of one part of a multipart upload, and the size from which a file
/// goes up in parts (S3 wants at least 5 MiB for every part but the last).
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// Where the bucket is and how to reach it. Credentials and region not
/// given here come from the standard `AWS_*` variables (and, on AWS, the
/// instance's role), as every S3 client does.
#[derive(Clone)]
pub struct S3Settings {
    /// `s3://bucket` or `s3://bucket/prefix`.
    pub url: String,
    /// For services other than AWS: `http(s)://host:port` (path-style addressing).
    pub endpoint: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub region: Option<String>,
    /// Bound on each request to the store (connect, send, receive).
    pub timeout: Duration,
    /// Local folder for uploads being checked before they go to the bucket.
    pub staging_dir: PathBuf,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("S3Settings")
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The bucket and prefix of an `s3://bucket/prefix` URL.
pub fn parse_storage_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| format!("QINGLANG_STORAGE_URL must start with s3:// (got {url:?})"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let valid_bucket = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !valid_bucket {
        return Err(format!(
            "QINGLANG_STORAGE_URL names no valid bucket (3–63 lowercase letters, digits, '-', '.'): {bucket:?}"
        ));
    }
    Ok((bucket.to_owned(), prefix.trim_matches('/').to_owned()))
}

pub struct S3Store {
    client: Arc<dyn ObjectStore>,
    prefix: String,
    staging: PathBuf,
    /// Taken out and shut down in the background on drop: a runtime may
    /// not be dropped where blocking is not allowed (an async task).
    runtime: Option<tokio::runtime::Runtime>,
    description: String,
}

impl S3Store {
    /// Connects (no request yet; see [`S3Store::check`]).
    pub fn connect(settings: &S3Settings) -> anyhow::Result<Self> {
        let (bucket, prefix) = parse_storage_url(&settings.url).map_err(anyhow::Error::msg)?;
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&bucket)
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(settings.timeout)
                    .with_connect_timeout(settings.timeout.min(Duration::from_secs(5))),
            )
            // A store that is down answers a filing with 503 within seconds,
            // rather than after object_store's default three minutes of retries.
            .with_retry(RetryConfig {
                max_retries: 2,
                retry_timeout: settings.timeout,
                ..RetryConfig::default()
            });
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let Some(id) = &settings.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        if let Some(region) = &settings.region {
            builder = builder.with_region(region);
        }
        let client = builder
            .build()
            .map_err(|e| anyhow::anyhow!("configuring the S3 client: {e}"))?;
        crate::private_files::dir(&settings.staging_dir)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("s3-store")
            .enable_all()
            .build()?;
        Ok(S3Store {
            client: Arc::new(client),
            prefix,
            staging: settings.staging_dir.clone(),
            runtime: Some(runtime),
            description: settings.url.clone(),
        })
    }

    /// Writes, reads back and removes a probe object, so that a bucket that
    /// does not exist or credentials it refuses stop the start with a clear
    /// message rather than the first report's filing.
    pub fn check(&self) -> anyhow::Result<()> {
        let probe = self.path(&format!("probe-{}", new_key()));
        self.block_on(async {
            self.client
                .put(&probe, PutPayload::from_static(b"qinglang"))
                .await?;
            let read = self.client.get(&probe).await?.bytes().await?;
            self.client.delete(&probe).await?;
            Ok::<_, object_store::Error>(read)
        })
        .map_err(|e| anyhow::anyhow!("the evidence bucket {}: {e}", self.description))
        .and_then(|read| {
            (read.as_ref() == b"qinglang")
                .then_some(())
                .ok_or_else(|| anyhow::anyhow!("the evidence bucket returned other bytes"))
        })
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        match &self.runtime {
            Some(runtime) => runtime.block_on(future),
            None => unreachable!("the runtime lives until drop"),
        }
    }

    fn path(&self, name: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(name)
        } else {
            ObjectPath::from(format!("{}/{name}", self.prefix))
        }
    }

    fn key_path(&self, key: &str) -> io::Result<ObjectPath> {
        if !is_key(key) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a storage key",
            ));
        }
        Ok(self.path(key))
    }

    async fn upload(&self, mut file: File, path: &ObjectPath) -> io::Result<()> {
        let size = file.metadata()?.len();
        if size <= PART_BYTES as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes)?;
            self.client
                .put(path, PutPayload::from(bytes))
                .await
                .map_err(to_io)?;
            return Ok(());
        }
        let upload = self.client.put_multipart(path).await.map_err(to_io)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buffer = vec![0u8; 1024 * 1024];
        let sent: io::Result<()> = async {
            loop {
                // A few parts in flight at most: memory stays bounded.
                writer.wait_for_capacity(2).await.map_err(to_io)?;
                match file.read(&mut buffer)? {
                    0 => return Ok(()),
                    n => writer.write(&buffer[..n]),
                }
            }
        }
        .await;
        match sent {
            Ok(()) => writer.finish().await.map(|_| ()).map_err(to_io),
            Err(error) => {
                // Parts already sent would linger (and cost) until aborted.
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(%abort, "could not abort a multipart upload");
                }
                Err(error)
            }
        }
    }
}

impl Drop for S3Store {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn to_io(error: object_store::Error) -> io::Error {
    match error {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, error),
        other => io::Error::other(other),
    }
}

impl EvidenceStore for S3Store {
    fn create_staged(&self) -> io::Result<NamedTempFile> {
        tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(&self.staging)
    }

    fn commit(&self, staged: NamedTempFile, key: &str) -> io::Result<()> {
        let path = self.key_path(key)?;
        let file = staged.reopen()?;
        self.block_on(self.upload(file, &path))
        // `staged` is removed from the staging folder as it drops.
    }

    fn read(&self, key: &str) -> io::Result<Vec<u8>> {
        // Wanted whole in memory: straight from the response, not through a
        // temporary file as `open` goes.
        let path = self.key_path(key)?;
        let bytes = self
            .block_on(async { self.client.get(&path).await?.bytes().await })
            .map_err(to_io)?;
        Ok(bytes.to_vec())
    }

    fn open(&self, key: &str) -> io::Result<Box<dyn StoredFile>> {
        let path = self.key_path(key)?;
        let mut local = tempfile::tempfile_in(&self.staging)?;
        self.block_on(async {
            let mut stream = self.client.get(&path).await.map_err(to_io)?.into_stream();
            while let Some(chunk) = stream.next().await {
                local.write_all(&chunk.map_err(to_io)?)?;
            }
            Ok::<_, io::Error>(())
        })?;
        io::Seek::rewind(&mut local)?;
        Ok(Box::new(local))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        let path = self.key_path(key)?;
        match self.block_on(self.client.delete(&path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(to_io(e)),
        }
    }

    fn keys_committed_before(&self, cutoff: SystemTime) -> io::Result<Vec<String>> {
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        self.block_on(async {
            let mut listing = self.client.list(prefix.as_ref());
            let mut keys = Vec::new();
            while let Some(meta) = listing.next().await {
                let meta = meta.map_err(to_io)?;
                let Some(name) = meta.location.filename() else {
                    continue;
                };
                // The listing is recursive: keep only our own level (another
                // deployment's prefix may sit below ours).
                let ours = meta.location == self.path(name);
                if ours && is_key(name) && SystemTime::from(meta.last_modified) < cutoff {
                    keys.push(name.to_owned());
                }
            }
            Ok(keys)
        })
    }

    fn sweep_staging(&self, cutoff: SystemTime) -> io::Result<usize> {
        super::store::sweep_dir(&self.staging, cutoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls_name_a_bucket_and_a_prefix() {
        assert_eq!(
            parse_storage_url("s3://evidence"),
            Ok(("evidence".into(), String::new()))
        );
        assert_eq!(
            parse_storage_url("s3://evidence/qinglang/prod/"),
            Ok(("evidence".into(), "qinglang/prod".into()))
        );
        for bad in ["file:///x", "s3://", "s3://Ev", "s3://a_b/x", "evidence"] {
            assert!(parse_storage_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_secret_is_not_in_the_debug_output() {
        let settings = S3Settings {
            url: "s3://b1/p".into(),
            endpoint: None,
            access_key_id: Some("GKID".into()),
            secret_access_key: Some("very-secret".into()),
            region: None,
            timeout: Duration::from_secs(1),
            staging_dir: PathBuf::from("/tmp"),
        };
        assert!(!format!("{settings:?}").contains("very-secret"));
    }
}
