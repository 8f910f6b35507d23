//! Why a kind of evidence is unknown: one type for every reason, so the
//! code compares reasons as values and the report words each one once.

use std::fmt;

/// Why a kind of evidence about an entry is not known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unknown {
    /// Offline, and the cache does not hold it.
    NotCached,
    /// The source gave no answer for it.
    NotFetched,
    /// Fetching it failed: the fault.
    Failed(String),
    /// The registry signs nothing: no keys, no `dist.signatures`.
    SignaturesNotServed,
    /// npm's public registry signs every version, and these responses
    /// carry no signatures: they were rewritten on the way.
    SignaturesStripped,
    /// The registry serves no attestations (it signs nothing either).
    AttestationsNotServed,
    /// The version document points to attestations not asked for.
    AttestationsNotFetched,
    /// There is no version document to judge.
    NoVersionDocument,
    /// The registry serves no keys.
    NoKeys,
    /// The registry's keys could not be fetched: the fault.
    KeysFailed(String),
    /// The version document states no integrity to verify a signature of.
    NoRegistryIntegrity,
    /// The lockfile gives no single sha512 attestations could be bound to.
    Unbound(&'static str),
    /// The entry states no version.
    NoVersion,
    /// No usable Sigstore trusted root: why.
    NoTrustedRoot(String),
}

impl Unknown {
    /// Whether the reason is only that the run was offline: the report
    /// counts such entries instead of listing a finding for each.
    pub fn is_offline(&self) -> bool {
        matches!(self, Self::NotCached)
    }
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotCached => f.write_str("offline, and not in the cache"),
            Self::NotFetched => f.write_str("not fetched"),
            Self::Failed(why) => f.write_str(why),
            Self::SignaturesNotServed => f.write_str("the registry does not serve signatures"),
            Self::SignaturesStripped => f.write_str(
                "npm's public registry signs every version, and these responses carry no \
                 signatures: rewritten on the way",
            ),
            Self::AttestationsNotServed => f.write_str("the registry does not serve attestations"),
            Self::AttestationsNotFetched => f.write_str("attestations not fetched"),
            Self::NoVersionDocument => f.write_str("no version document"),
            Self::NoKeys => f.write_str("the registry serves no keys"),
            Self::KeysFailed(why) => {
                write!(f, "the registry's keys could not be fetched: {why}")
            }
            Self::NoRegistryIntegrity => f.write_str("the registry states no integrity to verify"),
            Self::Unbound(why) => f.write_str(why),
            Self::NoVersion => f.write_str("the entry states no version"),
            Self::NoTrustedRoot(why) => write!(f, "no usable Sigstore trusted root: {why}"),
        }
    }
}
