//! Package records and registry key sets: one request per unique
//! package, through the disk cache, revalidated with ETag /
//! Last-Modified once the freshness the registry granted has run out.

use url::Url;

use super::RegistrySource;
use crate::evidence::source::{KeysOutcome, PackageKey, PackageOutcome};
use crate::registry::cache::Cached;
use crate::registry::client::{BodyError, FetchError, Response};
use crate::registry::packument::{self, PackageRecord, Versions};
use crate::signatures::KeySet;

/// Cache kind of package records.
const PACKUMENTS: &str = "packuments";
/// Cache kind of key sets.
const KEYS: &str = "keys";
/// The full packument: `_npmUser` and `time` are not in the abbreviated one.
const ACCEPT_FULL: &str = "application/json";

/// The packument URL of `name` under `registry` (a scope's `/` is encoded,
/// as npm does).
pub fn packument_url(registry: &Url, name: &str) -> Option<Url> {
    registry.join(&name.replacen('/', "%2f", 1)).ok()
}

impl RegistrySource<'_> {
    pub(super) fn package(&self, key: &PackageKey, versions: &Versions) -> PackageOutcome {
        let Some(url) = packument_url(&key.registry, &key.name) else {
            return PackageOutcome::Failed(format!("cannot form a URL for {:?}", key.name));
        };
        let cache_key = format!("{}\n{}", key.registry, key.name);
        // A record is used only for the request it answers: one copied or
        // edited under another package's key is refetched.
        let cached: Option<Cached<PackageRecord>> = self
            .cache
            .as_ref()
            .and_then(|c| c.read(PACKUMENTS, &cache_key))
            .filter(|c: &Cached<PackageRecord>| c.url == url.as_str() && c.value.name == key.name);
        let covers = cached
            .as_ref()
            .is_some_and(|c| versions.iter().all(|v| c.value.covers(v)));
        let Some(client) = &self.client else {
            return match cached {
                Some(c) if covers => PackageOutcome::Record(Box::new(c.value)),
                _ => PackageOutcome::NotCached,
            };
        };
        let now = self.now;
        if let Some(c) = &cached
            && covers
            && c.is_fresh(now)
        {
            return PackageOutcome::Record(Box::new(c.value.clone()));
        }
        // Revalidate only a record that answers for every wanted version;
        // otherwise the body is needed anyway.
        let (etag, modified) = match &cached {
            Some(c) if covers => (c.etag.as_deref(), c.last_modified.as_deref()),
            _ => (None, None),
        };
        // Keep the versions an earlier run cached for other lockfiles.
        let cached_versions = cached.iter().flat_map(|c| c.value.versions.keys());
        let all: Versions = versions
            .iter()
            .chain(cached_versions.map(String::as_str))
            .collect();
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
                if record.name != key.name {
                    return PackageOutcome::Failed(format!(
                        "{url}: the packument is for {:?}, not {:?}",
                        record.name, key.name
                    ));
                }
                if let Some(cache) = &self.cache {
                    let entry = Cached {
                        url: url.to_string(),
                        etag,
                        last_modified,
                        fetched_at: now,
                        max_age,
                        value: record.clone(),
                    };
                    let _ = cache.write(PACKUMENTS, &cache_key, &entry);
                }
                PackageOutcome::Record(Box::new(record))
            }
            Ok(Response {
                body: None,
                max_age,
                ..
            }) => match cached {
                Some(mut c) => {
                    // A 304 renews the freshness the registry grants.
                    c.fetched_at = now;
                    c.max_age = max_age;
                    if let Some(cache) = &self.cache {
                        let _ = cache.write(PACKUMENTS, &cache_key, &c);
                    }
                    PackageOutcome::Record(Box::new(c.value))
                }
                None => PackageOutcome::Failed(format!("{url}: 304 without a cached copy")),
            },
            Err(FetchError::NotFound { .. }) => PackageOutcome::NotFound,
            Err(e) => PackageOutcome::Failed(e.to_string()),
        }
    }

    /// What `registry`'s keys endpoint (`/-/npm/v1/keys`) serves; offline,
    /// what it served last. Whether these keys count is not decided here:
    /// npm's public registry's are pinned whatever it serves.
    pub(super) fn key_set(&self, registry: &Url) -> KeysOutcome {
        let Ok(url) = registry.join("-/npm/v1/keys") else {
            return KeysOutcome::Failed(format!("cannot form the keys URL of {registry}"));
        };
        let cache_key = registry.to_string();
        let Some(client) = &self.client else {
            let cached: Option<Cached<String>> = self
                .cache
                .as_ref()
                .and_then(|c| c.read(KEYS, &cache_key))
                .filter(|c: &Cached<String>| c.url == url.as_str());
            return match cached.map(|c| KeySet::from_keys_json(c.value.as_bytes())) {
                Some(Ok(keys)) => KeysOutcome::Served(keys),
                _ => KeysOutcome::NotServed,
            };
        };
        match client.get(&url, "application/json") {
            Ok(body) => match KeySet::from_keys_json(&body) {
                Ok(keys) => {
                    if let (Some(cache), Ok(text)) = (&self.cache, String::from_utf8(body)) {
                        let entry = Cached {
                            url: url.to_string(),
                            etag: None,
                            last_modified: None,
                            fetched_at: self.now,
                            max_age: None,
                            value: text,
                        };
                        let _ = cache.write(KEYS, &cache_key, &entry);
                    }
                    KeysOutcome::Served(keys)
                }
                Err(e) => KeysOutcome::Failed(format!("{url}: {e}")),
            },
            Err(FetchError::NotFound { .. }) => KeysOutcome::NotServed,
            Err(e) => KeysOutcome::Failed(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::advisories::source::Database;
    use crate::registry::cache::{Cache, RecordKey};
    use crate::registry::packument::VersionRecord;

    /// An offline source over `cache`: it answers from the cache only.
    fn offline<'a>(cache: Cache, advisories: &'a Database) -> RegistrySource<'a> {
        RegistrySource {
            advisories,
            client: None,
            cache: Some(cache),
            store: None,
            jobs: 1,
            progress: false,
            bars: indicatif::MultiProgress::new(),
            limits: crate::tarball::Limits::default(),
            now: 0,
        }
    }

    /// A cached record of `name@1.0.0`, as fetched from `url`.
    fn cached(url: &Url, name: &str) -> Cached<PackageRecord> {
        Cached {
            url: url.to_string(),
            etag: None,
            last_modified: None,
            fetched_at: 0,
            max_age: None,
            value: PackageRecord {
                name: name.to_string(),
                versions: BTreeMap::from([("1.0.0".to_string(), VersionRecord::default())]),
                missing: std::collections::BTreeSet::new(),
                has_time: true,
            },
        }
    }

    #[test]
    fn a_record_that_does_not_answer_its_request_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), RecordKey::ephemeral());
        let registry = Url::parse("https://registry.example.com/").unwrap();
        let other = Url::parse("https://other.example.com/").unwrap();
        let key = PackageKey {
            registry: std::sync::Arc::new(registry.clone()),
            name: "alpha".into(),
        };
        let cache_key = format!("{}\n{}", key.registry, key.name);
        let versions = Versions::from(vec!["1.0.0"]);
        let db = Database::Missing {
            reason: "none".into(),
        };
        // Authentic records (written with the cache's own key) under
        // alpha's key, each answering another request: another package,
        // the same name from another registry.
        for (url, name) in [
            (packument_url(&registry, "beta").unwrap(), "beta"),
            (packument_url(&other, "alpha").unwrap(), "alpha"),
        ] {
            cache
                .write(PACKUMENTS, &cache_key, &cached(&url, name))
                .unwrap();
            let source = offline(cache.clone(), &db);
            assert_eq!(
                source.package(&key, &versions),
                PackageOutcome::NotCached,
                "{url} {name}"
            );
        }
        // The record of the request itself is used.
        let url = packument_url(&registry, "alpha").unwrap();
        cache
            .write(PACKUMENTS, &cache_key, &cached(&url, "alpha"))
            .unwrap();
        let source = offline(cache, &db);
        assert!(matches!(
            source.package(&key, &versions),
            PackageOutcome::Record(r) if r.name == "alpha"
        ));
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
