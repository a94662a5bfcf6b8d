//! Where evidence bytes live. The filesystem store is the default; an
//! S3-compatible bucket ([`super::s3`]) can take its place.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rand::RngCore;
use tempfile::NamedTempFile;

pub trait EvidenceStore: Send + Sync + 'static {
    /// A new empty file to write into, placed so that `commit` is cheap.
    fn create_staged(&self) -> io::Result<NamedTempFile>;
    /// Durably makes a fully written staged file available under `key`.
    fn commit(&self, staged: NamedTempFile, key: &str) -> io::Result<()>;
    fn read(&self, key: &str) -> io::Result<Vec<u8>>;
    /// The stored bytes as a stream, for readers that need not hold them all.
    fn open(&self, key: &str) -> io::Result<Box<dyn StoredFile>>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: &str) -> io::Result<()>;
    /// Keys committed before `cutoff`: candidates for the orphan sweep.
    fn keys_committed_before(&self, cutoff: SystemTime) -> io::Result<Vec<String>>;
    /// Removes staged files older than `cutoff`, left by a crash; returns how many.
    fn sweep_staging(&self, cutoff: SystemTime) -> io::Result<usize>;
}

/// A stored file being read: seekable, so decoders can take several passes.
pub trait StoredFile: io::Read + io::Seek + Send {}

impl<T: io::Read + io::Seek + Send> StoredFile for T {}

/// A fresh random storage key. Keys never derive from client input.
pub fn new_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub(super) fn is_key(key: &str) -> bool {
    key.len() == 32
        && key
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// `<root>/<first two hex digits>/<key>`, staging in `<root>/.staging`.
#[derive(Debug, Clone)]
pub struct FsStore {
    root: PathBuf,
}

impl FsStore {
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        crate::private_files::dir(&root)?;
        crate::private_files::dir(&root.join(".staging"))?;
        Ok(FsStore { root })
    }

    fn staging_dir(&self) -> PathBuf {
        self.root.join(".staging")
    }

    fn path_of(&self, key: &str) -> io::Result<PathBuf> {
        if !is_key(key) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a storage key",
            ));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }
}

impl EvidenceStore for FsStore {
    fn create_staged(&self) -> io::Result<NamedTempFile> {
        tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(self.staging_dir())
    }

    fn commit(&self, staged: NamedTempFile, key: &str) -> io::Result<()> {
        let path = self.path_of(key)?;
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        crate::private_files::dir(&dir)?;
        // Contents reach the disk before the name does, so a crash never
        // leaves a complete-looking name over partial bytes.
        staged.as_file().sync_all()?;
        staged.persist_noclobber(&path).map_err(|e| e.error)?;
        sync_dir(&dir)
    }

    fn read(&self, key: &str) -> io::Result<Vec<u8>> {
        fs::read(self.path_of(key)?)
    }

    fn open(&self, key: &str) -> io::Result<Box<dyn StoredFile>> {
        Ok(Box::new(File::open(self.path_of(key)?)?))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.path_of(key)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn keys_committed_before(&self, cutoff: SystemTime) -> io::Result<Vec<String>> {
        let mut keys = Vec::new();
        for shard in fs::read_dir(&self.root)? {
            let shard = shard?;
            let name = shard.file_name();
            let name = name.to_string_lossy();
            if name.len() != 2 || !shard.file_type()?.is_dir() {
                continue;
            }
            for entry in fs::read_dir(shard.path())? {
                let entry = entry?;
                let key = entry.file_name().to_string_lossy().into_owned();
                if is_key(&key) && modified_before(&entry.path(), cutoff) {
                    keys.push(key);
                }
            }
        }
        Ok(keys)
    }

    fn sweep_staging(&self, cutoff: SystemTime) -> io::Result<usize> {
        sweep_dir(&self.staging_dir(), cutoff)
    }
}

/// Removes the files in `dir` last modified before `cutoff`; returns how many.
pub(super) fn sweep_dir(dir: &Path, cutoff: SystemTime) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if modified_before(&path, cutoff) && fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

fn modified_before(path: &Path, cutoff: SystemTime) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| t < cutoff)
        .unwrap_or(false)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Duration;

    #[test]
    fn commit_read_delete_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FsStore::open(dir.path()).expect("store");
        let mut staged = store.create_staged().expect("staged");
        staged.write_all(b"evidence").expect("write");
        let key = new_key();
        store.commit(staged, &key).expect("commit");
        assert_eq!(store.read(&key).expect("read"), b"evidence");
        let later = SystemTime::now() + Duration::from_secs(60);
        assert_eq!(
            store.keys_committed_before(later).expect("list"),
            vec![key.clone()]
        );
        store.delete(&key).expect("delete");
        store.delete(&key).expect("deleting twice is fine");
        assert!(store.read(&key).is_err());
    }

    #[test]
    fn keys_cannot_escape_the_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FsStore::open(dir.path()).expect("store");
        assert!(store.read("../../etc/passwd").is_err());
        assert!(store.delete("..").is_err());
    }

    #[test]
    fn staging_leftovers_are_swept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FsStore::open(dir.path()).expect("store");
        let staged = store.create_staged().expect("staged");
        let (_, path) = staged.keep().expect("keep");
        let later = SystemTime::now() + Duration::from_secs(60);
        assert_eq!(store.sweep_staging(later).expect("sweep"), 1);
        assert!(!path.exists());
    }
}
