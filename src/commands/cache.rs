//! `lockproof cache`: what each of lockproof's stores under the cache
//! folder holds, or delete them.
//!
//! Only lockproof's own folders are counted and deleted, never the cache
//! folder itself: `--cache-dir` may name a folder that holds other things.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use super::settings::cache_dir;
use super::{ExitStatus, write_stdout};
use crate::cli::{CacheAction, CacheArgs};
use crate::registry::cache::{Cache, CacheInfo};
use crate::report::escape;

/// One of lockproof's folders under the cache folder.
struct Part {
    /// What it holds, for people.
    what: &'static str,
    /// The folder.
    dir: PathBuf,
}

/// lockproof's folders under `dir`, each with every layout version it has
/// had, so that `clean` also removes what an older lockproof left.
fn parts(dir: &Path) -> Vec<Part> {
    let mut parts = vec![
        Part {
            what: "registry metadata",
            dir: Cache::folder(dir).root().to_path_buf(),
        },
        Part {
            what: "tarballs",
            dir: dir.join(crate::store::LAYOUT),
        },
        Part {
            what: "trust anchors (TUF)",
            dir: dir.join("tuf"),
        },
        Part {
            what: "advisories",
            dir: dir.join("advisories"),
        },
        Part {
            what: "npm caches of running installs",
            dir: dir.join("install"),
        },
    ];
    let current: Vec<PathBuf> = parts.iter().map(|p| p.dir.clone()).collect();
    // Older layouts: `v1`…, `tarballs-v0`…
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut older: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir() && !current.contains(p))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_older_layout)
            })
            .collect();
        older.sort();
        parts.extend(older.into_iter().map(|dir| Part {
            what: "an older lockproof's layout",
            dir,
        }));
    }
    parts
}

/// `v4`, `tarballs-v0`: a layout folder name lockproof has used.
fn is_older_layout(name: &str) -> bool {
    let version = name.strip_prefix("tarballs-").unwrap_or(name);
    version
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Runs the command.
pub(super) fn run(args: &CacheArgs) -> Result<ExitStatus> {
    let Some(dir) = cache_dir(args.cache_dir.as_deref()) else {
        bail!("no cache folder: set --cache-dir or HOME");
    };
    let parts = parts(&dir);
    match args.action {
        CacheAction::Info => {
            let mut out = format!("cache: {}\n", escape::text(&dir.display().to_string()));
            let mut total = CacheInfo::default();
            for part in &parts {
                let info = Cache::count(&part.dir);
                total.files += info.files;
                total.bytes += info.bytes;
                out.push_str(&format!(
                    "{}: {} ({} files, {} bytes)\n",
                    part.what,
                    escape::text(&part.dir.display().to_string()),
                    info.files,
                    info.bytes
                ));
            }
            out.push_str(&format!("files: {}\nbytes: {}\n", total.files, total.bytes));
            write_stdout(&out)?;
        }
        CacheAction::Clean => {
            let mut out = String::new();
            for part in parts.iter().filter(|p| p.dir.exists()) {
                std::fs::remove_dir_all(&part.dir)
                    .with_context(|| format!("{}: cannot delete it", part.dir.display()))?;
                out.push_str(&format!(
                    "removed {} ({})\n",
                    escape::text(&part.dir.display().to_string()),
                    part.what
                ));
            }
            if out.is_empty() {
                out = format!(
                    "nothing to remove in {}\n",
                    escape::text(&dir.display().to_string())
                );
            }
            write_stdout(&out)?;
        }
    }
    Ok(ExitStatus::Pass)
}
