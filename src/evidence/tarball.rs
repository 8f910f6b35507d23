//! Tarball evidence (install time): the tarball behind each entry, as npm would
//! fetch it, downloaded once, verified against the lockfile's integrity
//! and inspected, archive and `package.json` alike.
//!
//! Which entries: registry, remote-tarball, local-tarball and GitHub git
//! entries with an integrity. Optional entries that npm would leave out on this machine
//! (`os` / `cpu` / `libc`) are skipped unless every platform is asked for;
//! every entry not verified is counted with why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use url::Url;

use super::source::{FetchedTarball, TarballKey, TarballOutcome};
use crate::integrity::{Hash, Integrity};
use crate::lockfile::{Entry, IntegrityField, Lockfile, Pin, ResolvedUrl, SourceKind};
use crate::platform::Machine;
use crate::registry::is_public_registry_host;
use crate::registry::npmrc::NpmConfig;
use crate::tarball::Inspection;

/// Why an entry's tarball is not verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Skip {
    /// An optional entry npm leaves out on this machine.
    OtherPlatform,
    /// No usable integrity: the bytes cannot be judged.
    NoIntegrity,
    /// A source whose bytes lockproof cannot fetch (git outside GitHub)
    /// or an entry with no download URL.
    NoDownload,
    /// A tarball on the local disk without an integrity, which npm reads
    /// from there as it is.
    LocalFile,
}

impl Skip {
    /// Why, in words.
    pub fn reason(self) -> &'static str {
        match self {
            Skip::OtherPlatform => "optional, and its os/cpu/libc exclude this machine",
            Skip::NoIntegrity => "no usable integrity to verify the bytes with",
            Skip::NoDownload => "no tarball lockproof can download (git outside GitHub, or no URL)",
            Skip::LocalFile => {
                "a tarball on the local disk with no integrity, which npm reads as it is"
            }
        }
    }
}

/// What verifying one entry's tarball found.
#[derive(Debug, Clone)]
pub enum TarballEvidence {
    /// The bytes match the lockfile; what inspecting them found.
    Verified {
        /// Where the bytes were fetched from.
        url: Url,
        /// The stored file.
        path: PathBuf,
        /// Size in bytes.
        size: u64,
        /// Downloaded by this run (else taken from the store).
        downloaded: bool,
        /// The archive and its `package.json`; `Err` when the stored file
        /// could not be read back.
        inspection: Result<Box<Inspection>, String>,
    },
    /// The bytes differ from the lockfile's integrity.
    Mismatch {
        /// Where they came from.
        url: Url,
        /// The lockfile's hash.
        expected: Hash,
        /// The bytes' hash.
        actual: Hash,
    },
    /// Could not be had: why (evidence unknown).
    Failed {
        /// Where lockproof tried.
        url: Url,
        /// Why it failed.
        reason: String,
    },
    /// Not verified, on purpose.
    Skipped(Skip),
}

/// What a registry entry's version document says of its tarball.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegistryDist<'a> {
    /// `dist.tarball`.
    pub tarball: Option<&'a str>,
    /// `dist.integrity`: the identity of the bytes when the lockfile pins
    /// no npm integrity (Yarn Berry).
    pub integrity: Option<&'a str>,
}

/// The tarball each entry would be fetched from, or why it is not fetched;
/// `None` for entries with nothing to download (links, workspaces, bundled
/// entries). `registry` holds, per entry, what its version document says
/// of its tarball.
pub fn plan(
    lockfile: &Lockfile,
    registry: &[RegistryDist<'_>],
    npm: &NpmConfig,
    machine: Option<&Machine>,
) -> Vec<Option<Result<TarballKey, Skip>>> {
    let project = lockfile
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    lockfile
        .entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let dist = registry.get(i).copied().unwrap_or_default();
            key_of(entry, dist, npm, machine, project)
        })
        .collect()
}

/// The tarballs whose keys the lockfile alone decides, for the entries
/// `in_scope` allows: every entry of [`plan`] but registry entries without
/// `resolved` or without an integrity of their own, whose URL or identity
/// comes from the version document. They can be fetched while the registry
/// is asked about the packages; [`plan`] gives each of them the same key
/// once the registry has answered.
pub fn lockfile_keys(
    lockfile: &Lockfile,
    npm: &NpmConfig,
    machine: Option<&Machine>,
    in_scope: impl Fn(usize) -> bool,
) -> Vec<TarballKey> {
    let decided = |entry: &Entry| {
        matches!(entry.integrity, IntegrityField::Valid(_))
            && (entry.source != SourceKind::Registry || entry.url.is_some())
    };
    let keys: std::collections::BTreeSet<TarballKey> = plan(lockfile, &[], npm, machine)
        .into_iter()
        .zip(&lockfile.entries)
        .enumerate()
        .filter(|(i, (_, entry))| in_scope(*i) && decided(entry))
        .filter_map(|(_, (planned, _))| planned?.ok())
        .collect();
    keys.into_iter().collect()
}

fn key_of(
    entry: &Entry,
    dist: RegistryDist<'_>,
    npm: &NpmConfig,
    machine: Option<&Machine>,
    project: &Path,
) -> Option<Result<TarballKey, Skip>> {
    if !matches!(
        entry.source,
        SourceKind::Registry
            | SourceKind::RemoteTarball
            | SourceKind::Git
            | SourceKind::LocalFile
            | SourceKind::Unrecognized
    ) {
        return None;
    }
    // A name that is not a valid npm name is never put in a URL (it is an
    // `invalid-package-name` finding already).
    if crate::lockfile::name::name_problem(&entry.name).is_some() {
        return Some(Err(Skip::NoDownload));
    }
    // A local tarball without an integrity is the project's own file,
    // which npm reads as it is; with one, its bytes are verified like a
    // download (a vendored .tgz in a pull request is not reviewable text).
    if entry.source == SourceKind::LocalFile && !matches!(entry.integrity, IntegrityField::Valid(_))
    {
        return Some(Err(Skip::LocalFile));
    }
    let optional = entry.flags.optional || entry.flags.dev_optional;
    if optional && machine.is_some_and(|m| !m.allows(entry.platform())) {
        return Some(Err(Skip::OtherPlatform));
    }
    // Yarn Berry pins no npm integrity: the registry's stands for the
    // bytes of a registry entry (the report says the lockfile did not pin
    // it).
    let registry_integrity = matches!(entry.pin, Pin::YarnChecksum(_))
        .then(|| dist.integrity.and_then(|i| Integrity::parse(i).ok()))
        .flatten()
        .filter(|_| entry.source == SourceKind::Registry);
    let integrity = match (&entry.integrity, &registry_integrity) {
        (IntegrityField::Valid(integrity), _) | (_, Some(integrity)) => integrity,
        _ => return Some(Err(Skip::NoIntegrity)),
    };
    let url = match entry.source {
        SourceKind::Registry => registry_url(entry, dist.tarball, npm),
        SourceKind::RemoteTarball => entry.url.as_ref().and_then(ResolvedUrl::to_url),
        SourceKind::Git => entry
            .url
            .as_ref()
            .and_then(ResolvedUrl::to_url)
            .and_then(|u| github_tarball(&u)),
        SourceKind::LocalFile => local_tarball(entry, project),
        _ => None,
    };
    Some(
        url.map(|url| TarballKey {
            url,
            hash: integrity.strongest().clone(),
        })
        .ok_or(Skip::NoDownload),
    )
}

/// Where npm fetches a registry entry: its `resolved`, with the public
/// registry's host replaced by the configured registry (npm's default
/// `replace-registry-host=npmjs`); without `resolved`, the version
/// document's `dist.tarball`, else the registry's conventional path.
fn registry_url(entry: &Entry, registry_tarball: Option<&str>, npm: &NpmConfig) -> Option<Url> {
    let registry = npm.registry_for(&entry.name);
    // The path is appended as text, as npm does: `Url::join` would read a
    // first segment like `http:evil.example` as a new URL. The result must
    // stay on the registry's scheme, host and port.
    let on_registry = |path: &str| -> Option<Url> {
        let url = Url::parse(&format!(
            "{}/{}",
            registry.as_str().trim_end_matches('/'),
            path.trim_start_matches('/')
        ))
        .ok()?;
        (url.origin() == registry.origin()).then_some(url)
    };
    let from_public = |url: &Url| -> Option<Url> {
        if url.host_str().is_some_and(is_public_registry_host)
            && registry.host_str() != url.host_str()
        {
            on_registry(url.path())
        } else {
            Some(url.clone())
        }
    };
    if let Some(url) = &entry.url {
        return from_public(&url.to_url()?);
    }
    if let Some(url) = registry_tarball.and_then(|t| Url::parse(t).ok()) {
        return from_public(&url);
    }
    // A version that is not plain semver would change the path (`?`, `#`,
    // `/../`); such an entry gets no URL.
    let version = entry
        .version
        .as_deref()
        .filter(|v| node_semver::Version::parse(v).is_ok() && !v.contains(['/', '?', '#']))?;
    let file = entry.name.rsplit('/').next().unwrap_or(&entry.name);
    on_registry(&format!("{}/-/{file}-{version}.tgz", entry.name))
}

/// A `file:` tarball as a `file://` URL: npm resolves the path against
/// the project folder (the lockfile's).
fn local_tarball(entry: &Entry, project: &Path) -> Option<Url> {
    let path = entry.resolved.as_str()?.strip_prefix("file:")?;
    let path = project.join(path);
    let absolute = if path.is_absolute() {
        path
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    Url::from_file_path(absolute).ok()
}

/// The codeload tarball of a GitHub git URL pinned to a commit
/// (`git+ssh://git@github.com/o/r.git#<sha>`), as npm fetches hosted git.
fn github_tarball(url: &Url) -> Option<Url> {
    if url.host_str() != Some("github.com") {
        return None;
    }
    let commit = url
        .fragment()
        .filter(|f| (7..=40).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_hexdigit()))?;
    let mut parts = url.path().trim_start_matches('/').splitn(3, '/');
    let owner = parts.next().filter(|s| !s.is_empty())?;
    let repo = parts.next()?.trim_end_matches(".git");
    if repo.is_empty() || parts.next().is_some() {
        return None;
    }
    Url::parse(&format!(
        "https://codeload.github.com/{owner}/{repo}/tar.gz/{commit}"
    ))
    .ok()
}

/// Turns download outcomes, with the inspection of each stored tarball,
/// into evidence for each entry of `plan`.
pub fn gather(
    plan: &[Option<Result<TarballKey, Skip>>],
    outcomes: &BTreeMap<TarballKey, FetchedTarball>,
) -> Vec<Option<TarballEvidence>> {
    plan.iter()
        .map(|planned| {
            let key = match planned.as_ref()? {
                Ok(key) => key,
                Err(skip) => return Some(TarballEvidence::Skipped(*skip)),
            };
            let url = key.url.clone();
            Some(match outcomes.get(key) {
                Some((
                    TarballOutcome::Stored {
                        path,
                        size,
                        downloaded,
                    },
                    inspected,
                )) => TarballEvidence::Verified {
                    inspection: inspected
                        .clone()
                        .unwrap_or_else(|| Err("not inspected".to_string())),
                    url,
                    path: path.clone(),
                    size: *size,
                    downloaded: *downloaded,
                },
                Some((TarballOutcome::Mismatch { actual, .. }, _)) => TarballEvidence::Mismatch {
                    url,
                    expected: key.hash.clone(),
                    actual: actual.clone(),
                },
                Some((TarballOutcome::Failed(reason), _)) => TarballEvidence::Failed {
                    url,
                    reason: reason.clone(),
                },
                Some((TarballOutcome::NotCached, _)) => TarballEvidence::Failed {
                    url,
                    reason: "offline, and not in the tarball store".to_string(),
                },
                None => TarballEvidence::Failed {
                    url,
                    reason: "not fetched".to_string(),
                },
            })
        })
        .collect()
}

/// A tarball whose bytes matched its entry, as `install` hands it to npm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTarball {
    /// The entry's `name@version`.
    pub spec: String,
    /// Registry entries without `resolved` (npm's
    /// `omit-lockfile-registry-resolved`): the name and version npm asks
    /// the registry's metadata about before it fetches the tarball.
    pub unresolved: Option<(String, String)>,
    /// Where npm would fetch it.
    pub url: Url,
    /// The entry's integrity, as npm will ask for it.
    pub integrity: String,
    /// The verified bytes in the store.
    pub path: PathBuf,
}

/// The verified tarballs of `lockfile`, in entry order.
pub fn verified(lockfile: &Lockfile, evidence: &[Option<TarballEvidence>]) -> Vec<VerifiedTarball> {
    lockfile
        .entries
        .iter()
        .zip(evidence)
        .filter_map(|(entry, ev)| match (ev, &entry.integrity) {
            (Some(TarballEvidence::Verified { url, path, .. }), IntegrityField::Valid(i)) => {
                Some(VerifiedTarball {
                    spec: entry.spec(),
                    unresolved: (entry.source == SourceKind::Registry && entry.url.is_none())
                        .then(|| Some((entry.name.clone(), entry.version.clone()?)))
                        .flatten(),
                    url: url.clone(),
                    integrity: i
                        .hashes()
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                    path: path.clone(),
                })
            }
            _ => None,
        })
        .collect()
}

/// Tarball counts for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TarballCounts {
    /// Bytes matched the lockfile.
    pub verified: usize,
    /// Of those, downloaded by this run.
    pub downloaded: usize,
    /// Bytes of the verified tarballs.
    pub bytes: u64,
    /// Bytes differ from the lockfile.
    pub mismatched: usize,
    /// Could not be had.
    pub failed: usize,
    /// Not verified on purpose, per reason.
    pub skipped: BTreeMap<Skip, usize>,
}

impl std::ops::AddAssign for TarballCounts {
    fn add_assign(&mut self, o: TarballCounts) {
        self.verified += o.verified;
        self.downloaded += o.downloaded;
        self.bytes += o.bytes;
        self.mismatched += o.mismatched;
        self.failed += o.failed;
        for (skip, n) in o.skipped {
            *self.skipped.entry(skip).or_insert(0) += n;
        }
    }
}

/// An entry whose tarball was not verified on purpose, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedTarball {
    /// The entry's path in the lockfile.
    pub path: String,
    /// Package name.
    pub name: String,
    /// Why it was skipped.
    pub reason: Skip,
}

/// The entries of `lockfile` whose tarballs were skipped, in entry order.
pub fn skipped(lockfile: &Lockfile, evidence: &[Option<TarballEvidence>]) -> Vec<SkippedTarball> {
    lockfile
        .entries
        .iter()
        .zip(evidence)
        .filter_map(|(entry, ev)| match ev {
            Some(TarballEvidence::Skipped(reason)) => Some(SkippedTarball {
                path: entry.path.clone(),
                name: entry.name.clone(),
                reason: *reason,
            }),
            _ => None,
        })
        .collect()
}

impl TarballCounts {
    /// Counts `evidence`.
    pub fn of(evidence: &[Option<TarballEvidence>]) -> Self {
        let mut c = Self::default();
        for ev in evidence.iter().flatten() {
            match ev {
                TarballEvidence::Verified {
                    size, downloaded, ..
                } => {
                    c.verified += 1;
                    c.downloaded += usize::from(*downloaded);
                    c.bytes += size;
                }
                TarballEvidence::Mismatch { .. } => c.mismatched += 1,
                TarballEvidence::Failed { .. } => c.failed += 1,
                TarballEvidence::Skipped(s) => *c.skipped.entry(*s).or_insert(0) += 1,
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_git_urls_map_to_codeload_tarballs_and_others_do_not() {
        let url = |s: &str| Url::parse(s).expect("url");
        assert_eq!(
            github_tarball(&url(
                "ssh://git@github.com/octo/pkg.git#0123456789abcdef0123456789abcdef01234567"
            ))
            .map(|u| u.to_string()),
            Some(
                "https://codeload.github.com/octo/pkg/tar.gz/0123456789abcdef0123456789abcdef01234567"
                    .to_string()
            )
        );
        assert_eq!(
            github_tarball(&url("ssh://git@github.com/octo/pkg.git#main")),
            None
        );
        assert_eq!(
            github_tarball(&url("https://gitlab.com/o/r.git#abcdef1")),
            None
        );
        assert_eq!(
            github_tarball(&url("https://github.com/o/r/x.git#abcdef1")),
            None
        );
    }
}
