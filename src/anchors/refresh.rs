//! Choosing the anchors: a TUF refresh when one is due and allowed, else
//! the newest verified cache, else the embedded copies.
//!
//! A refresh starts from the cached state (so versions never go back
//! across runs), runs the whole TUF workflow, downloads only targets whose
//! hashes changed, and saves the new state only when all of it verified.

use std::collections::BTreeMap;

use super::tuf::remote::{HttpRemote, Remote};
use super::tuf::store::{Cached, Store};
use super::tuf::update::{Freshness, Trusted};
use super::tuf::{SIGSTORE_ROOT, metadata::TargetFile};
use super::{Anchors, NPM_KEYS_TARGET, Settings, Source, TRUSTED_ROOT_TARGET, TufVersions};
use crate::signatures::KeySet;

/// The targets the anchors are made of.
const WANTED: [&str; 2] = [TRUSTED_ROOT_TARGET, NPM_KEYS_TARGET];

/// Why `update` could not refresh.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// Refreshing was asked for offline.
    #[error("offline: the TUF repository is not contacted")]
    Offline,
    /// The refresh failed; the anchors in use are unchanged.
    #[error("refresh from {url} failed: {why}")]
    Failed {
        /// The repository.
        url: String,
        /// What failed.
        why: String,
    },
}

/// The anchors to use now: refreshed from TUF when the cache is missing,
/// older than `max_age` or expired (unless offline), else the verified
/// cache, else the embedded copies. Never fails.
pub fn load(settings: &Settings) -> Anchors {
    let remote = HttpRemote::new(&settings.tuf_url, settings.timeout, &settings.proxies);
    choose(settings, &remote, false)
}

/// Refreshes from TUF now (`lockproof trust update`), whatever the cache's
/// age; an error when the refresh fails or the run is offline, the cache
/// being left as it was.
pub fn update(settings: &Settings) -> Result<Anchors, UpdateError> {
    if settings.offline {
        return Err(UpdateError::Offline);
    }
    let remote = HttpRemote::new(&settings.tuf_url, settings.timeout, &settings.proxies);
    let anchors = choose(settings, &remote, true);
    match anchors.refresh_error.clone() {
        Some(why) => Err(UpdateError::Failed {
            url: settings.tuf_url.clone(),
            why,
        }),
        None => Ok(anchors),
    }
}

/// What the TUF side yielded: verified target bytes and their source.
struct State {
    targets: BTreeMap<String, Vec<u8>>,
    source: Source,
}

/// What went wrong on the way, for the report.
#[derive(Debug, Default)]
pub(super) struct Problems {
    /// The refresh was tried and failed.
    pub refresh: Option<String>,
    /// The cache could not be used or kept.
    pub cache: Option<String>,
}

/// The decision, with `remote` standing for the repository.
pub(super) fn choose(settings: &Settings, remote: &dyn Remote, force: bool) -> Anchors {
    let (state, mut problems) = tuf_state(settings, remote, force);
    let Some(state) = state else {
        return Anchors::embedded(settings, problems);
    };
    let npm = match state
        .targets
        .get(NPM_KEYS_TARGET)
        .map(|b| KeySet::from_target_json(b))
    {
        Some(Ok(keys)) => (keys, state.source.clone()),
        Some(Err(e)) => {
            let why = format!("{NPM_KEYS_TARGET}: {e}");
            match state.source {
                Source::Tuf(_) => problems.refresh.get_or_insert(why),
                _ => problems.cache.get_or_insert(why),
            };
            (KeySet::npm_public(), Source::Embedded)
        }
        None => (KeySet::npm_public(), Source::Embedded),
    };
    let root = match state.targets.get(TRUSTED_ROOT_TARGET) {
        Some(bytes) => (bytes.clone(), state.source),
        None => (
            crate::sigstore::trust_root::PUBLIC_GOOD.as_bytes().to_vec(),
            Source::Embedded,
        ),
    };
    // A file the user names replaces the root, whatever TUF said; it is
    // read when first used, like the root is parsed.
    let root = match &settings.trusted_root_file {
        Some(path) => (Vec::new(), Source::File(path.clone())),
        None => root,
    };
    Anchors::new(npm, root, problems, settings)
}

/// The TUF side: the cache, refreshed when due; what went wrong.
fn tuf_state(settings: &Settings, remote: &dyn Remote, force: bool) -> (Option<State>, Problems) {
    let store = settings
        .cache_dir
        .as_ref()
        .map(|dir| Store::new(dir, &settings.tuf_url));
    // Offline with nothing cached, the embedded anchors are all there is:
    // checking the bootstrap root's signatures (several ECDSA
    // verifications, most of a small audit's time) would decide nothing.
    if settings.offline && !force && store.as_ref().is_none_or(|s| !s.has_state()) {
        return (None, Problems::default());
    }
    let bootstrap_bytes = settings
        .tuf_root
        .as_deref()
        .unwrap_or(SIGSTORE_ROOT.as_bytes());
    let bootstrap = match Trusted::bootstrap(bootstrap_bytes) {
        Ok(trusted) => trusted,
        Err(e) => {
            let refresh = Some(format!("bootstrap root: {e}"));
            return (
                None,
                Problems {
                    refresh,
                    cache: None,
                },
            );
        }
    };
    let mut problems = Problems::default();
    let cached = match store.as_ref().map(|s| s.load(&bootstrap, &WANTED)) {
        Some(Ok(cached)) => cached,
        Some(Err(e)) => {
            problems.cache = Some(e.to_string());
            None
        }
        None => None,
    };
    let due = force || cached.as_ref().is_none_or(|c| stale(c, settings));
    if settings.offline || !due {
        let state = cached.map(|c| cached_state(c, &settings.tuf_url));
        return (state, problems);
    }
    let start = cached.as_ref().map_or(&bootstrap, |c| &c.trusted);
    let previous = cached.as_ref().map(|c| &c.targets);
    match refresh(start, remote, previous, settings) {
        Ok((trusted, targets)) => {
            if let Some(store) = &store
                && let Err(e) = store.save(&trusted, &targets, settings.now)
            {
                // The refresh verified; only keeping it failed.
                problems.cache = Some(format!("not saved: {e}"));
            }
            let source = Source::Tuf(versions(&trusted, &settings.tuf_url));
            (Some(State { targets, source }), problems)
        }
        Err(e) => {
            let state = cached.map(|c| cached_state(c, &settings.tuf_url));
            problems.refresh = Some(e);
            (state, problems)
        }
    }
}

/// One refresh: the TUF workflow, then each wanted target, reused from the
/// previous state when its hashes did not change.
fn refresh(
    start: &Trusted,
    remote: &dyn Remote,
    previous: Option<&BTreeMap<String, Vec<u8>>>,
    settings: &Settings,
) -> Result<(Trusted, BTreeMap<String, Vec<u8>>), String> {
    let (trusted, files) = start
        .update(remote, Freshness::At(settings.now), &WANTED)
        .map_err(|e| e.to_string())?;
    let mut targets = BTreeMap::new();
    for (path, file) in files {
        let bytes = match previous
            .and_then(|p| p.get(&path))
            .filter(|b| unchanged(b, &file))
        {
            Some(bytes) => bytes.clone(),
            None => trusted
                .fetch_target(remote, &path, &file)
                .map_err(|e| e.to_string())?,
        };
        targets.insert(path, bytes);
    }
    Ok((trusted, targets))
}

fn unchanged(bytes: &[u8], file: &TargetFile) -> bool {
    bytes.len() as u64 == file.length && file.hashes.matches(bytes)
}

fn stale(cached: &Cached, settings: &Settings) -> bool {
    let age = settings.now.duration_since(cached.updated);
    age > settings.max_age
        || age.is_negative()
        || versions(&cached.trusted, &settings.tuf_url).expires < settings.now
}

fn cached_state(cached: Cached, url: &str) -> State {
    State {
        source: Source::Cache {
            versions: versions(&cached.trusted, url),
            updated: cached.updated,
        },
        targets: cached.targets,
    }
}

fn versions(trusted: &Trusted, url: &str) -> TufVersions {
    let root = &trusted.root.signed;
    let mut expires = root.expires;
    let mut version = |expiry: jiff::Timestamp, v: u64| {
        expires = expires.min(expiry);
        v
    };
    let timestamp = trusted
        .timestamp
        .as_ref()
        .map_or(0, |t| version(t.signed.expires, t.signed.version));
    let snapshot = trusted
        .snapshot
        .as_ref()
        .map_or(0, |s| version(s.signed.expires, s.signed.version));
    let targets = trusted
        .targets
        .as_ref()
        .map_or(0, |t| version(t.signed.expires, t.signed.version));
    for delegated in trusted.delegated.values() {
        version(delegated.signed.expires, delegated.signed.version);
    }
    TufVersions {
        url: url.to_owned(),
        root: root.version,
        timestamp,
        snapshot,
        targets,
        expires,
    }
}
