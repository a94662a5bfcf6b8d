//! Files and folders holding personal data (the SQLite database with
//! reporters' contacts, evidence, mail copies, keys) are the service
//! account's alone: folders 0700, files 0600 — created so, and tightened
//! at start when an older version left them readable.

use std::io;
use std::path::Path;

/// Creates `dir` (and missing parents) owner-only, or tightens it.
pub fn dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        // A shared sticky folder (/tmp) is not ours to close.
        if mode & 0o077 != 0 && mode & 0o1000 == 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Creates `path` empty and owner-only if missing, or tightens it.
pub fn file(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => Ok(()),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                let mode = std::fs::metadata(path)?.permissions().mode();
                if mode & 0o077 != 0 {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
                }
                Ok(())
            }
            Err(error) => Err(error),
        }
    }
    #[cfg(not(unix))]
    {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map(|_| ())
    }
}

/// Tightens `path` if it exists (e.g. SQLite's `-wal` and `-shm` files).
pub fn tighten_if_present(path: &Path) -> io::Result<()> {
    if path.exists() {
        file(path)
    } else {
        Ok(())
    }
}
