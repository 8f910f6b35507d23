//! Fetching what the registry says about the locked versions: one request
//! per unique package (however many entries share it), run in parallel
//! with a bounded number of workers, through the disk cache.
//!
//! Fetching never judges: every outcome, failures included, is handed to
//! the checks as evidence.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;

use rayon::prelude::*;
use url::Url;

use super::cache::{Cache, Cached};
use super::client::{BodyError, Client, FetchError, Response};
use super::packument::{self, PackageRecord};
use crate::signatures::KeySet;

/// Cache kind of package records.
const PACKUMENTS: &str = "packuments";
/// Cache kind of key sets.
const KEYS: &str = "keys";
/// Cache kind of attestation bodies, keyed by the integrity they are for.
const ATTESTATIONS: &str = "attestations";
/// Largest attestations body accepted.
const ATTESTATIONS_LIMIT: u64 = 4 * 1024 * 1024;
/// The full packument: `_npmUser` and `time` are not in the abbreviated one.
const ACCEPT_FULL: &str = "application/json";

/// The public npm registry, whose keys lockproof embeds.
pub const NPM_REGISTRY_HOST: &str = "registry.npmjs.org";

/// One package to fetch: where, and which versions matter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PackageKey {
    /// Registry base URL (ends with `/`).
    pub registry: Url,
    /// Package name (valid npm name).
    pub name: String,
}

/// What became of one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageOutcome {
    /// The record (fresh, revalidated or, offline, from the cache).
    Record(PackageRecord),
    /// The registry has no such package.
    NotFound,
    /// Nothing usable: the reason.
    Failed(String),
    /// `--offline` and not in the cache.
    NotCached,
}

/// One version's attestations to fetch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttestationKey {
    /// Registry base URL.
    pub registry: Url,
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// The lockfile's sha512 (hex) the attestations must be about. Bodies
    /// are cached under it: attestations of published bytes never change,
    /// and a cached body is verified again on every run, so the cache
    /// cannot vouch for anything by itself.
    pub sha512: String,
}

/// What became of one version's attestations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttestationsOutcome {
    /// The `/-/npm/v1/attestations/…` body.
    Served(String),
    /// The registry answered 404.
    NotFound,
    /// Nothing usable: the reason.
    Failed(String),
    /// `--offline` and not in the cache.
    NotCached,
}

/// The attestations URL under the configured registry. Only the part of
/// the version document's `url` from `-/npm/v1/attestations/` on is used,
/// so a tampered document cannot point lockproof (and its credentials) at
/// another host.
pub fn attestations_url(registry: &Url, pointer: &str) -> Option<Url> {
    const MARK: &str = "-/npm/v1/attestations/";
    let start = pointer.find(MARK)?;
    let rest = pointer.get(start..)?;
    if rest.contains(['?', '#']) {
        return None;
    }
    // The parser resolves `..` and `%2e%2e` alike: judge the result, which
    // must still lie under the registry's attestations path.
    let url = registry.join(rest).ok()?;
    let prefix = format!("{}{MARK}", registry.path());
    (url.origin() == registry.origin() && url.path().starts_with(&prefix)).then_some(url)
}

/// What became of the registry's key set.
#[derive(Debug, Clone)]
pub enum KeysOutcome {
    /// Keys the registry serves.
    Served(KeySet),
    /// The registry does not serve keys (404); for the public registry the
    /// embedded npm keys stand in.
    NotServed(Option<KeySet>),
    /// The keys could not be had: the reason.
    Failed(String),
}

/// Fetches through the cache; `client` is `None` when offline.
pub struct Fetcher<'a> {
    /// The HTTP client, or `None` for `--offline`.
    pub client: Option<&'a Client>,
    /// The disk cache, if any.
    pub cache: Option<&'a Cache>,
    /// Parallel requests at most.
    pub jobs: usize,
    /// Advanced once per package fetched (a terminal progress bar).
    pub progress: Option<indicatif::ProgressBar>,
}

/// The packument URL of `name` under `registry` (a scope's `/` is encoded,
/// as npm does).
pub fn packument_url(registry: &Url, name: &str) -> Option<Url> {
    registry.join(&name.replacen('/', "%2f", 1)).ok()
}

impl Fetcher<'_> {
    /// Fetches every package of `wanted`, in parallel.
    pub fn packages(
        &self,
        wanted: &BTreeMap<PackageKey, BTreeSet<String>>,
    ) -> BTreeMap<PackageKey, PackageOutcome> {
        // Offline with no cache folder at all, nothing can be found: skip
        // a file lookup per package.
        if self.client.is_none() && self.cache.is_none_or(|c| !c.root().is_dir()) {
            return wanted
                .keys()
                .map(|k| (k.clone(), PackageOutcome::NotCached))
                .collect();
        }
        let work: Vec<(&PackageKey, &BTreeSet<String>)> = wanted.iter().collect();
        self.parallel(&work, |(key, versions)| {
            ((*key).clone(), self.package(key, versions))
        })
    }

    /// Runs `f` over `work` in parallel, advancing the progress bar once
    /// per item: on the machine's cores offline (local reads), with
    /// `--jobs` workers online (the work waits on I/O).
    pub(super) fn parallel<T: Sync, K: Ord + Send, V: Send>(
        &self,
        work: &[T],
        f: impl Fn(&T) -> (K, V) + Sync,
    ) -> BTreeMap<K, V> {
        let run = || {
            work.par_iter()
                .map(|item| {
                    let out = f(item);
                    if let Some(bar) = &self.progress {
                        bar.inc(1);
                    }
                    out
                })
                .collect::<BTreeMap<_, _>>()
        };
        if self.client.is_none() {
            return run();
        }
        match rayon::ThreadPoolBuilder::new()
            .num_threads(self.jobs.max(1))
            .build()
        {
            Ok(pool) => pool.install(run),
            Err(_) => run(),
        }
    }

    /// Fetches the attestations of every key, each from the cache when it
    /// holds them (they never change for the same integrity).
    pub fn attestations(
        &self,
        wanted: &BTreeMap<AttestationKey, String>,
    ) -> BTreeMap<AttestationKey, AttestationsOutcome> {
        let work: Vec<(&AttestationKey, &String)> = wanted.iter().collect();
        self.parallel(&work, |(key, pointer)| {
            ((*key).clone(), self.attestation(key, pointer))
        })
    }

    fn attestation(&self, key: &AttestationKey, pointer: &str) -> AttestationsOutcome {
        let cache_key = format!(
            "{}\n{}@{}\n{}",
            key.registry, key.name, key.version, key.sha512
        );
        if let Some(c) = self
            .cache
            .and_then(|c| c.read::<String>(ATTESTATIONS, &cache_key))
        {
            return AttestationsOutcome::Served(c.value);
        }
        let Some(client) = self.client else {
            return AttestationsOutcome::NotCached;
        };
        let Some(url) = attestations_url(&key.registry, pointer) else {
            return AttestationsOutcome::Failed(format!(
                "the version document's attestations URL {pointer:?} is not an npm attestations path"
            ));
        };
        // Real attestation bodies are tens of kilobytes; the general
        // response limit (hundreds of megabytes, for packuments) is far too
        // generous for something parsed whole and verified.
        let read = |r: &mut dyn std::io::Read| {
            let mut body = Vec::new();
            r.take(ATTESTATIONS_LIMIT + 1)
                .read_to_end(&mut body)
                .map_err(BodyError::Io)?;
            if body.len() as u64 > ATTESTATIONS_LIMIT {
                return Err(BodyError::Invalid(format!(
                    "attestations body larger than {ATTESTATIONS_LIMIT} bytes"
                )));
            }
            let parsed: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| BodyError::Invalid(format!("attestations body is not JSON: {e}")))?;
            if !parsed["attestations"].is_array() {
                return Err(BodyError::Invalid(
                    "attestations body has no `attestations` list".into(),
                ));
            }
            Ok(body)
        };
        match client
            .get_with(&url, "application/json", None, None, &read)
            .map(|r| r.body.unwrap_or_default())
        {
            Ok(body) => match String::from_utf8(body) {
                Ok(text) => {
                    if let Some(cache) = self.cache {
                        let entry = Cached {
                            url: url.to_string(),
                            etag: None,
                            last_modified: None,
                            fresh_until: None,
                            value: text.clone(),
                        };
                        let _ = cache.write(ATTESTATIONS, &cache_key, &entry);
                    }
                    AttestationsOutcome::Served(text)
                }
                Err(_) => AttestationsOutcome::Failed(format!("{url}: body is not UTF-8")),
            },
            Err(FetchError::NotFound { .. }) => AttestationsOutcome::NotFound,
            Err(e) => AttestationsOutcome::Failed(e.to_string()),
        }
    }

    fn package(&self, key: &PackageKey, versions: &BTreeSet<String>) -> PackageOutcome {
        let cache_key = format!("{}\n{}", key.registry, key.name);
        let cached: Option<Cached<PackageRecord>> =
            self.cache.and_then(|c| c.read(PACKUMENTS, &cache_key));
        let covers = cached
            .as_ref()
            .is_some_and(|c| versions.iter().all(|v| c.value.covers(v)));
        let Some(client) = self.client else {
            return match cached {
                Some(c) if covers => PackageOutcome::Record(c.value),
                _ => PackageOutcome::NotCached,
            };
        };
        let now = jiff::Timestamp::now().as_second();
        if let Some(c) = &cached
            && covers
            && c.fresh_until.is_some_and(|until| now < until)
        {
            return PackageOutcome::Record(c.value.clone());
        }
        let Some(url) = packument_url(&key.registry, &key.name) else {
            return PackageOutcome::Failed(format!("cannot form a URL for {:?}", key.name));
        };
        let fresh_until =
            |max_age: Option<u64>| max_age.and_then(|a| i64::try_from(a).ok()).map(|a| now + a);
        // Revalidate only a record that answers for every wanted version;
        // otherwise the body is needed anyway.
        let (etag, modified) = match &cached {
            Some(c) if covers => (c.etag.as_deref(), c.last_modified.as_deref()),
            _ => (None, None),
        };
        // Keep the versions an earlier run cached for other lockfiles.
        let mut all = versions.clone();
        if let Some(c) = &cached {
            all.extend(c.value.versions.keys().cloned());
        }
        let read = |r: &mut dyn std::io::Read| {
            packument::extract_from(r, &all).map_err(|e| {
                if e.is_io() {
                    BodyError::Io(std::io::Error::other(e))
                } else {
                    BodyError::Invalid(format!("malformed packument: {e}"))
                }
            })
        };
        match client.get_with(&url, ACCEPT_FULL, etag, modified, &read) {
            Ok(Response {
                body: Some(record),
                etag,
                last_modified,
                max_age,
                ..
            }) => {
                if let Some(cache) = self.cache {
                    let entry = Cached {
                        url: url.to_string(),
                        etag,
                        last_modified,
                        fresh_until: fresh_until(max_age),
                        value: record.clone(),
                    };
                    let _ = cache.write(PACKUMENTS, &cache_key, &entry);
                }
                PackageOutcome::Record(record)
            }
            Ok(Response {
                body: None,
                max_age,
                ..
            }) => match cached {
                Some(mut c) => {
                    // A 304 renews the freshness the registry grants.
                    c.fresh_until = fresh_until(max_age);
                    if let Some(cache) = self.cache {
                        let _ = cache.write(PACKUMENTS, &cache_key, &c);
                    }
                    PackageOutcome::Record(c.value)
                }
                None => PackageOutcome::Failed(format!("{url}: 304 without a cached copy")),
            },
            Err(FetchError::NotFound { .. }) => PackageOutcome::NotFound,
            Err(e) => PackageOutcome::Failed(e.to_string()),
        }
    }

    /// The key set of `registry`, from `/-/npm/v1/keys`.
    pub fn keys(&self, registry: &Url) -> KeysOutcome {
        let embedded = (registry.host_str() == Some(NPM_REGISTRY_HOST)).then(KeySet::npm_public);
        let cache_key = registry.to_string();
        let cached: Option<Cached<String>> = self.cache.and_then(|c| c.read(KEYS, &cache_key));
        let Some(client) = self.client else {
            return match cached.map(|c| KeySet::from_keys_json(c.value.as_bytes())) {
                Some(Ok(keys)) => KeysOutcome::Served(keys),
                _ => KeysOutcome::NotServed(embedded),
            };
        };
        let Ok(url) = registry.join("-/npm/v1/keys") else {
            return KeysOutcome::Failed(format!("cannot form the keys URL of {registry}"));
        };
        match client.get(&url, "application/json") {
            Ok(body) => match KeySet::from_keys_json(&body) {
                Ok(keys) => {
                    if let (Some(cache), Ok(text)) = (self.cache, String::from_utf8(body)) {
                        let entry = Cached {
                            url: url.to_string(),
                            etag: None,
                            last_modified: None,
                            fresh_until: None,
                            value: text,
                        };
                        let _ = cache.write(KEYS, &cache_key, &entry);
                    }
                    KeysOutcome::Served(keys)
                }
                Err(e) => KeysOutcome::Failed(format!("{url}: {e}")),
            },
            Err(FetchError::NotFound { .. }) => KeysOutcome::NotServed(embedded),
            Err(e) => KeysOutcome::Failed(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attestation_urls_keep_only_the_npm_path_under_the_configured_registry() {
        let r = Url::parse("https://mirror.example.com/npm/").unwrap();
        assert_eq!(
            attestations_url(
                &r,
                "https://evil.example/-/npm/v1/attestations/@s%2fp@1.0.0"
            )
            .unwrap()
            .as_str(),
            "https://mirror.example.com/npm/-/npm/v1/attestations/@s%2fp@1.0.0"
        );
        assert_eq!(attestations_url(&r, "https://x/other/path"), None);
        assert_eq!(attestations_url(&r, "/-/npm/v1/attestations/../../x"), None);
        assert_eq!(
            attestations_url(
                &r,
                "/-/npm/v1/attestations/%2e%2e/%2E%2E/%2e%2e/%2e%2e/other"
            ),
            None
        );
        assert_eq!(attestations_url(&r, "/-/npm/v1/attestations/a@1?x=y"), None);
    }

    #[test]
    fn packument_urls_encode_the_scope_slash() {
        let r = Url::parse("https://registry.example.com/npm/").unwrap();
        assert_eq!(
            packument_url(&r, "@s/p").unwrap().as_str(),
            "https://registry.example.com/npm/@s%2fp"
        );
        assert_eq!(
            packument_url(&r, "lodash").unwrap().as_str(),
            "https://registry.example.com/npm/lodash"
        );
    }
}
