//! The evidence pipeline: one function that asks a [`Source`] everything
//! an audit needs about a lockfile's entries (version documents, key sets,
//! attestations, the previous releases' attestations, tarballs) and turns
//! the answers into [`Evidence`].
//!
//! Each question is asked once however many entries share it, and only for
//! the entries in scope: in diff mode, a pull request that bumps one
//! package asks the registry about that package, not about the whole tree.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use url::Url;

use super::attestations::{self, Judging};
use super::keys::RegistryKeys;
use super::model::{AdvisoryLookups, EntryEvidence, Evidence, Metadata};
use super::previous;
use super::registry::{self, Packages};
use super::source::{AttestationKey, AttestationsOutcome, PackageOutcome, Source, TarballKey};
use super::tarball::{self, RegistryDist};
use crate::advisories::api::Query;
use crate::anchors::Anchors;
use crate::hashing;
use crate::lockfile::Lockfile;
use crate::platform::Machine;
use crate::registry::npmrc::NpmConfig;
use crate::trust::TrustLevel;

/// Whether tarballs are verified, and for which platforms.
#[derive(Debug, Clone, Copy)]
pub enum Tarballs<'a> {
    /// No tarball is downloaded.
    Skip,
    /// Every tarball npm would install on `machine` (`None`: on any
    /// platform) is downloaded, verified and inspected.
    Verify {
        /// The machine whose optional platform packages are wanted.
        machine: Option<&'a Machine>,
    },
}

/// What to collect evidence about, and with what.
pub struct Request<'a> {
    /// The project's npm configuration: which registry serves each name.
    pub npm: &'a NpmConfig,
    /// Diff mode: per entry, whether it is in scope; `None` for all.
    pub scope: Option<&'a [bool]>,
    /// Diff mode: per entry index, the base version whose claimed trust
    /// level is wanted beside the entry's own.
    pub base_versions: &'a BTreeMap<usize, String>,
    /// Whether tarballs are verified.
    pub tarballs: Tarballs<'a>,
    /// The trust anchors: npm's pinned keys and the Sigstore trusted root.
    pub anchors: &'a Anchors,
    /// The time certificates, keys and release ages are judged at.
    pub now: Timestamp,
}

/// Collects the evidence `request` asks for about `lockfile` from `source`.
pub fn collect(lockfile: &Lockfile, request: &Request<'_>, source: &dyn Source) -> Evidence {
    let in_scope = |i: usize| {
        request
            .scope
            .is_none_or(|s| s.get(i).copied().unwrap_or(false))
    };
    let packages = Packages::of(lockfile, request.npm, in_scope, request.base_versions);
    // The tarballs the lockfile alone names download while the registry is
    // asked about the packages: both wait on the network.
    let early = match request.tarballs {
        Tarballs::Verify { machine } => {
            tarball::lockfile_keys(lockfile, request.npm, machine, in_scope)
        }
        Tarballs::Skip => Vec::new(),
    };
    let (fetched, early) = std::thread::scope(|s| {
        let tarballs = (!early.is_empty()).then(|| s.spawn(|| source.tarballs(&early)));
        let fetched = source.packages(&packages.keys);
        // A panicked worker fetched nothing: those are fetched below.
        let early = tarballs.and_then(|t| t.join().ok()).unwrap_or_default();
        (fetched, early)
    });
    let registries: BTreeSet<&Url> = packages.keys.iter().map(|(k, _)| &*k.registry).collect();
    let keys: BTreeMap<Url, RegistryKeys> = registries
        .into_iter()
        .map(|r| {
            (
                r.clone(),
                RegistryKeys::of(r, &source.keys(r), &request.anchors.npm_keys),
            )
        })
        .collect();
    // One lookup per package, not per entry.
    // Answers are matched to packages by position: a source that lost
    // one would shift every later answer onto another package, so an
    // answer list of the wrong length is not used at all.
    let fetched = if fetched.len() == packages.keys.len() {
        fetched
    } else {
        Vec::new()
    };
    let outcomes: Vec<Option<&PackageOutcome>> =
        (0..packages.keys.len()).map(|i| fetched.get(i)).collect();
    let mut evidence = registry::gather(lockfile, &packages, &outcomes, &keys, request.now);
    evidence.base_claims = base_claims(request.base_versions, &packages, &outcomes);
    // Judged even when nothing is fetched: an entry whose attestations
    // cannot be bound to the lockfile says why.
    let own = attestations::wanted(lockfile, &evidence);
    let fetched = if own.is_empty() {
        BTreeMap::new()
    } else {
        source.attestations(&own)
    };
    attestations::add(lockfile, &mut evidence, judging(&fetched, &keys, request));
    let earlier = previous::wanted(lockfile, &evidence);
    if !earlier.is_empty() {
        let fetched = source.attestations(&earlier);
        previous::add(lockfile, &mut evidence, judging(&fetched, &keys, request));
    }
    evidence.advisories = advisories(lockfile, &packages, source);
    if let Tarballs::Verify { machine } = request.tarballs {
        let dists: Vec<RegistryDist<'_>> = evidence
            .entries
            .iter()
            .map(|ev| match ev {
                Some(EntryEvidence {
                    metadata: Metadata::Found(record),
                    ..
                }) => RegistryDist {
                    tarball: record.tarball.as_deref(),
                    integrity: record.integrity.as_deref(),
                },
                _ => RegistryDist::default(),
            })
            .collect();
        let mut plan = tarball::plan(lockfile, &dists, request.npm, machine);
        for (i, planned) in plan.iter_mut().enumerate() {
            if !in_scope(i) {
                *planned = None;
            }
        }
        let wanted: Vec<TarballKey> = plan
            .iter()
            .flatten()
            .flatten()
            .filter(|key| !early.contains_key(key))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut fetched = early;
        if !wanted.is_empty() {
            fetched.extend(source.tarballs(&wanted));
        }
        evidence.tarballs = tarball::gather(&plan, &fetched);
    }
    evidence
}

/// What the advisory database says of each registry entry in scope: one
/// question per distinct `name@version`.
fn advisories(
    lockfile: &Lockfile,
    packages: &Packages<'_>,
    source: &dyn Source,
) -> AdvisoryLookups {
    // Entries of one package (one name) share its index. Most packages
    // are installed at one version: each package's first question is kept
    // beside it, and only further versions are looked up by value.
    let mut first: Vec<Option<(&str, usize)>> = vec![None; packages.keys.len()];
    let mut more: hashing::Map<(usize, &str), usize> = hashing::Map::default();
    // At least one question per package.
    let mut queries: Vec<Query<'_>> = Vec::with_capacity(packages.keys.len());
    let per_entry: Vec<Option<usize>> = lockfile
        .entries
        .iter()
        .zip(&packages.per_entry)
        .map(|(entry, wanted)| {
            let (package, version) = (*wanted)?;
            let mut ask = || {
                queries.push(Query {
                    name: &entry.name,
                    version,
                });
                queries.len() - 1
            };
            let at = match first.get_mut(package)? {
                Some((v, at)) if *v == version => *at,
                Some(_) => *more.entry((package, version)).or_insert_with(ask),
                slot @ None => slot.insert((version, ask())).1,
            };
            Some(at)
        })
        .collect();
    AdvisoryLookups::new(source.advisories(&queries), per_entry)
}

/// What judging the attestations `fetched` needs.
fn judging<'a>(
    fetched: &'a BTreeMap<AttestationKey, AttestationsOutcome>,
    keys: &'a BTreeMap<Url, RegistryKeys>,
    request: &'a Request<'a>,
) -> Judging<'a> {
    Judging {
        fetched,
        keys,
        anchors: request.anchors,
        now: request.now,
    }
}

/// The trust level each wanted base version's document claims.
fn base_claims(
    base_versions: &BTreeMap<usize, String>,
    packages: &Packages<'_>,
    outcomes: &[Option<&PackageOutcome>],
) -> BTreeMap<usize, TrustLevel> {
    base_versions
        .iter()
        .filter_map(|(i, base)| {
            let (at, _) = packages.per_entry.get(*i)?.as_ref()?;
            let PackageOutcome::Record(record) = (*outcomes.get(*at)?)? else {
                return None;
            };
            let claimed = TrustLevel::claimed(&record.versions.get(base)?.trust_fields());
            Some((*i, claimed))
        })
        .collect()
}
