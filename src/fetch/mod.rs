//! Fetching: the production [`Source`] of evidence, answering from the
//! registry through the disk caches, in parallel, with progress bars on a
//! terminal.
//!
//! One request per unique package, key set, attestations body or tarball,
//! however many entries share it. Fetching never judges: every outcome,
//! failures included, goes back to the evidence pipeline as data.

mod attestations;
mod packuments;
mod progress;
mod tarballs;

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;
use url::Url;

use crate::advisories::api::Query;
use crate::advisories::evidence::Lookup;
use crate::advisories::source::Database;
use crate::evidence::source::{
    AttestationKey, AttestationsOutcome, FetchedTarball, KeysOutcome, PackageKey, PackageOutcome,
    Source, TarballKey,
};
use crate::registry::cache::{Cache, RecordKey};
use crate::registry::client::{Client, ClientOptions, FetchError};
use crate::registry::npmrc::NpmConfig;
use crate::registry::packument::Versions;
use crate::store::Store;
use crate::tarball::Limits;

pub use attestations::attestations_url;
pub use packuments::packument_url;

/// How a [`RegistrySource`] fetches: plain settings, resolved by the
/// command layer.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Use the caches only, never the network.
    pub offline: bool,
    /// Limits and identity of the HTTP client.
    pub client: ClientOptions,
    /// lockproof's cache folder (the registry cache and the tarball store
    /// live under it); `None` when there is none.
    pub cache_dir: Option<PathBuf>,
    /// The key that authenticates the registry cache's records.
    pub record_key: RecordKey,
    /// Requests at once.
    pub jobs: usize,
    /// Show progress bars on standard error.
    pub progress: bool,
    /// What inspecting one tarball may cost.
    pub limits: Limits,
    /// The time cached answers are judged fresh against (unix seconds).
    pub now: i64,
}

/// Evidence from the registries one project's npm configuration names,
/// through lockproof's caches, and from the run's advisory database.
pub struct RegistrySource<'a> {
    advisories: &'a Database,
    client: Option<Client>,
    cache: Option<Cache>,
    store: Option<Store>,
    jobs: usize,
    progress: bool,
    /// Where the bars draw: package records and tarballs are fetched at
    /// the same time, each with its bar.
    bars: indicatif::MultiProgress,
    limits: Limits,
    now: i64,
}

impl<'a> RegistrySource<'a> {
    /// A source for the registries of `npm`, fetching as `options` say,
    /// with advisories from `advisories`.
    pub fn new(
        options: &FetchOptions,
        npm: &NpmConfig,
        advisories: &'a Database,
    ) -> Result<Self, FetchError> {
        let client = if options.offline {
            None
        } else {
            Some(Client::new(npm.clone(), options.client.clone())?)
        };
        Ok(Self {
            advisories,
            client,
            cache: options
                .cache_dir
                .as_deref()
                .map(|dir| Cache::new(dir, options.record_key.clone())),
            store: options.cache_dir.as_deref().map(Store::new),
            jobs: options.jobs.max(1),
            progress: options.progress,
            bars: indicatif::MultiProgress::new(),
            limits: options.limits,
            now: options.now,
        })
    }

    /// Runs `f` over `work` in parallel, advancing `bar` once per item: on
    /// the machine's cores offline (local reads), with `--jobs` workers
    /// online (the work waits on I/O).
    fn parallel<T: Sync, R: Send, C: FromParallelIterator<R> + Send>(
        &self,
        work: &[T],
        bar: Option<&indicatif::ProgressBar>,
        f: impl Fn(&T) -> R + Sync,
    ) -> C {
        let run = || {
            work.par_iter()
                .map(|item| {
                    let out = f(item);
                    if let Some(bar) = bar {
                        bar.inc(1);
                    }
                    out
                })
                .collect()
        };
        if self.client.is_none() {
            return run();
        }
        match rayon::ThreadPoolBuilder::new()
            .num_threads(self.jobs)
            .build()
        {
            Ok(pool) => pool.install(run),
            Err(_) => run(),
        }
    }

    /// A progress bar for `total` items, when bars are shown and the
    /// network is used (offline runs are over before a bar would help).
    fn bar(&self, total: usize, kind: progress::Kind) -> Option<indicatif::ProgressBar> {
        (self.progress && self.client.is_some()).then(|| self.bars.add(progress::bar(total, kind)))
    }
}

impl Source for RegistrySource<'_> {
    fn packages(&self, wanted: &[(PackageKey, Versions)]) -> Vec<PackageOutcome> {
        // Offline with no cache folder at all, nothing can be found: skip
        // a file lookup per package.
        if self.client.is_none() && self.cache.as_ref().is_none_or(|c| !c.root().is_dir()) {
            return vec![PackageOutcome::NotCached; wanted.len()];
        }
        let bar = self.bar(wanted.len(), progress::Kind::Packages);
        let out = self.parallel(wanted, bar.as_ref(), |(key, versions)| {
            self.package(key, versions)
        });
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        out
    }

    fn keys(&self, registry: &Url) -> KeysOutcome {
        self.key_set(registry)
    }

    fn attestations(
        &self,
        wanted: &BTreeMap<AttestationKey, String>,
    ) -> BTreeMap<AttestationKey, AttestationsOutcome> {
        let work: Vec<(&AttestationKey, &String)> = wanted.iter().collect();
        self.parallel(&work, None, |(key, pointer)| {
            ((*key).clone(), self.attestation(key, pointer))
        })
    }

    fn tarballs(&self, wanted: &[TarballKey]) -> BTreeMap<TarballKey, FetchedTarball> {
        let bar = self.bar(wanted.len(), progress::Kind::Tarballs);
        let out = self.fetch_tarballs(wanted, bar.as_ref());
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        out
    }

    fn advisories(&self, queries: &[Query<'_>]) -> Vec<Lookup> {
        if queries.is_empty() {
            return Vec::new();
        }
        self.advisories.lookup(queries)
    }
}
