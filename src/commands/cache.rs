//! `lockproof cache`: where the cache is and how large, or delete it.

use anyhow::{Context as _, Result, bail};

use super::settings::cache_dir;
use super::{ExitStatus, write_stdout};
use crate::cli::{CacheAction, CacheArgs};
use crate::registry::cache::Cache;

/// Runs the command.
pub(super) fn run(args: &CacheArgs) -> Result<ExitStatus> {
    let Some(dir) = cache_dir(args.cache_dir.as_deref()) else {
        bail!("no cache folder: set --cache-dir or HOME");
    };
    let cache = Cache::folder(&dir);
    match args.action {
        CacheAction::Info => {
            let info = cache.info();
            write_stdout(&format!(
                "cache: {}\nfiles: {}\nbytes: {}\n",
                cache.root().display(),
                info.files,
                info.bytes
            ))?;
        }
        CacheAction::Clean => {
            cache
                .clean()
                .with_context(|| format!("{}: cannot delete the cache", cache.root().display()))?;
            write_stdout(&format!("removed {}\n", cache.root().display()))?;
        }
    }
    Ok(ExitStatus::Pass)
}
