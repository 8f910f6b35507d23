//! The evidence model: what is known about each entry beyond the
//! lockfile, in one of three states per kind (present, absent, or unknown
//! and why), and the trust level verified evidence supports.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use url::Url;

use super::provenance::Provenance;
use super::tarball::TarballEvidence;
use super::unknown::Unknown;
use crate::advisories::evidence::Lookup;
use crate::registry::packument::VersionRecord;
use crate::signatures::Verdict;
use crate::trust::TrustLevel;

/// The three states of one kind of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Found (and, for signatures, judged).
    Present,
    /// Looked for, and not there.
    Absent,
    /// Not known: not served, not fetched, or offline.
    Unknown,
}

/// What the registry says about an entry's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metadata {
    /// The version document.
    Found(Box<VersionRecord>),
    /// The package exists, the version does not.
    VersionMissing,
    /// The package does not exist.
    PackageMissing,
    /// Could not be had: why.
    Unknown(Unknown),
}

/// What is known of an entry's registry signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signatures {
    /// Judged against the registry's keys.
    Judged(Verdict),
    /// Could not be judged: why.
    Unknown(Unknown),
}

/// Evidence about one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryEvidence {
    /// The registry asked: one copy per registry, shared by its entries.
    pub registry: Arc<Url>,
    /// Its version document.
    pub metadata: Metadata,
    /// Its signatures.
    pub signatures: Signatures,
    /// Its provenance attestations.
    pub provenance: Provenance,
    /// The provenance of the package's previous release, when this
    /// version's verified and the previous release points to attestations
    /// (see [`super::previous`]); `None` when not looked at.
    pub previous_provenance: Option<Provenance>,
}

impl EntryEvidence {
    /// State of the registry metadata.
    pub fn metadata_state(&self) -> State {
        match self.metadata {
            Metadata::Found(_) => State::Present,
            Metadata::VersionMissing | Metadata::PackageMissing => State::Absent,
            Metadata::Unknown(_) => State::Unknown,
        }
    }

    /// State of the provenance.
    pub fn provenance_state(&self) -> State {
        match &self.provenance {
            Provenance::Absent => State::Absent,
            Provenance::Unknown(_) | Provenance::FetchFailed(_) => State::Unknown,
            _ => State::Present,
        }
    }

    /// The trust level verified evidence supports, or `None` when the
    /// registry does not serve the evidence (unknown). Only what lockproof
    /// verified counts, except the staged-publish approver, which no one
    /// can verify: the registry asserts it unsigned.
    pub fn trust_level(&self) -> Option<TrustLevel> {
        let Metadata::Found(record) = &self.metadata else {
            return None;
        };
        let signed = matches!(
            self.signatures,
            Signatures::Judged(Verdict::Verified { .. })
        );
        if matches!(self.signatures, Signatures::Unknown(_)) {
            return None;
        }
        let user = record.npm_user.as_ref();
        let provenance = match &self.provenance {
            Provenance::Verified(facts) => Some(facts),
            _ => None,
        };
        Some(
            if user.is_some_and(|u| u.approver.is_some()) && (signed || provenance.is_some()) {
                TrustLevel::Staged
            } else if let (Some(tp), Some(facts)) =
                (user.and_then(|u| u.trusted_publisher.as_ref()), provenance)
                && issuer_of(&tp.id).is_none_or(|i| facts.issuer.as_deref() == Some(i))
            {
                TrustLevel::TrustedPublisher
            } else if provenance.is_some() {
                TrustLevel::Provenance
            } else if signed {
                TrustLevel::Signed
            } else {
                TrustLevel::None
            },
        )
    }

    /// State of the signatures.
    pub fn signature_state(&self) -> State {
        match &self.signatures {
            Signatures::Judged(Verdict::Missing) => State::Absent,
            Signatures::Judged(_) => State::Present,
            Signatures::Unknown(_) => State::Unknown,
        }
    }
}

/// Evidence for every entry of one lockfile, by entry index; `None` for
/// entries the registry cannot speak for (git, links, …).
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Per entry, aligned with `Lockfile::entries`.
    pub entries: Vec<Option<EntryEvidence>>,
    /// Registry-wide facts a reader must know (one line each).
    pub notes: Vec<String>,
    /// Per entry, what verifying its tarball found (`--tarballs`); empty
    /// when tarballs were not verified.
    pub tarballs: Vec<Option<TarballEvidence>>,
    /// Per entry, what the advisory database says of its version.
    pub advisories: AdvisoryLookups,
    /// npm's public registry, when its responses carried no signatures at
    /// all: per registry URL, the entries affected.
    pub stripped: BTreeMap<Url, usize>,
    /// Diff mode: per entry index, the trust level the version document
    /// of the entry's base version claims (unverified), for entries whose
    /// version changed.
    pub base_claims: BTreeMap<usize, TrustLevel>,
}

/// What the advisory database says of each entry's version, asked once
/// per `name@version`: entries share answers rather than copies of them.
#[derive(Debug, Clone, Default)]
pub struct AdvisoryLookups {
    /// One answer per distinct `name@version`.
    answers: Vec<Lookup>,
    /// Per entry, aligned with `Lockfile::entries`: the index of its
    /// answer; `None` for entries no advisory speaks for (not from a
    /// registry, or out of scope in diff mode).
    per_entry: Vec<Option<usize>>,
}

impl AdvisoryLookups {
    /// Answers, and per entry the index of its answer.
    pub fn new(answers: Vec<Lookup>, per_entry: Vec<Option<usize>>) -> Self {
        Self { answers, per_entry }
    }

    /// What the database says of entry `i`'s version.
    pub fn get(&self, i: usize) -> Option<&Lookup> {
        self.answers.get((*self.per_entry.get(i)?)?)
    }

    /// The answer of every entry an advisory speaks for, entry by entry
    /// (an answer shared by several entries counts for each).
    pub fn per_entry(&self) -> impl Iterator<Item = &Lookup> {
        self.per_entry
            .iter()
            .flatten()
            .filter_map(|&at| self.answers.get(at))
    }
}

/// The OIDC issuer of a trusted-publisher provider, as npm names them.
/// For a provider not listed here the issuer cannot be matched, and the
/// verified provenance alone stands for the trusted publisher.
fn issuer_of(provider: &str) -> Option<&'static str> {
    match provider {
        "github" => Some("https://token.actions.githubusercontent.com"),
        "gitlab" => Some("https://gitlab.com"),
        _ => None,
    }
}
