//! How long a version and its package have been public:
//! `release-too-new` (the version is younger than the minimum release
//! age, `lockproof.toml`'s or else npm's own) and `package-too-new` (the
//! package's first publish is younger than the minimum package age).
//! Reads evidence only.
//!
//! The registry's `time` is signed by nobody and mirrors rewrite it. For a
//! version whose provenance verified, the transparency log's or timestamp
//! authority's time of its signature is verified, and the version cannot
//! have been published before it was signed: that time is a floor, and the
//! release time is the later of the two. A registry that states an older
//! time than that, or none, cannot make an attested version look old; one
//! that states a younger time can only raise a finding, never hide one
//! (and a staged publish does go public later than CI signed it, when a
//! maintainer approves it).

use jiff::Timestamp;

use super::{Context, EntryFindings};
use crate::evidence::model::{EntryEvidence, Metadata};
use crate::evidence::provenance::Provenance;
use crate::finding::Code;
use crate::registry::packument::VersionRecord;

const DAY: i64 = 86_400;

pub(super) fn check(f: &mut EntryFindings, ev: &EntryEvidence, ctx: &Context) {
    let Metadata::Found(record) = &ev.metadata else {
        return;
    };
    if let (Some(gate), Some(released)) = (gate(ctx, &f.entry.name), released(ev, record)) {
        let at = released.at();
        let age = ctx.now.as_second() - at.as_second();
        if age < gate.seconds {
            f.report(
                Code::ReleaseTooNew,
                format!(
                    "{} {at} ({}), under the minimum release age of {} days ({}{})",
                    released.verb(),
                    ago(age),
                    gate.days,
                    gate.from,
                    released.source(ev)
                ),
            );
        }
    }
    let min = ctx.trust.min_package_age_days;
    let first = record
        .history
        .first_published
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok());
    if let Some(first) = first.filter(|_| min > 0) {
        let age = ctx.now.as_second() - first.as_second();
        if age < i64::from(min) * DAY {
            f.report(
                Code::PackageTooNew,
                format!(
                    "the package was first published {first} ({}), under the minimum package age of {min} days (time as {} states it; a mirror may rewrite it)",
                    ago(age),
                    ev.registry
                ),
            );
        }
    }
}

/// The minimum release age that applies to one package.
struct Gate {
    seconds: i64,
    /// The days as configured (npm's may be a fraction).
    days: String,
    /// Where it was set, when not in `lockproof.toml`, with a separator.
    from: String,
}

/// `lockproof.toml`'s minimum when it sets one (0: off), else npm's,
/// unless npm's `min-release-age-exclude` exempts `name`.
fn gate(ctx: &Context, name: &str) -> Option<Gate> {
    match ctx.trust.min_release_age_days {
        Some(0) => None,
        Some(days) => Some(Gate {
            seconds: i64::from(days) * DAY,
            days: days.to_string(),
            from: String::new(),
        }),
        None => ctx
            .npm_release_age
            .as_ref()
            .filter(|npm| !npm.exempts(name))
            .map(|npm| Gate {
                seconds: npm.seconds(),
                days: npm.days.to_string(),
                from: format!("npm's min-release-age, set in {}; ", npm.origin),
            }),
    }
}

/// When a version was released, and which clock says so.
enum Released {
    /// The registry's `time`; the version has no verified provenance.
    Registry(Timestamp),
    /// The verified signing time of its provenance: the registry states
    /// no time, or an earlier one.
    Signed(Timestamp),
    /// The registry's `time`, later than the verified signing time.
    RegistryAfterSigned {
        registry: Timestamp,
        signed: Timestamp,
    },
}

impl Released {
    fn at(&self) -> Timestamp {
        match self {
            Released::Registry(t) | Released::Signed(t) => *t,
            Released::RegistryAfterSigned { registry, .. } => *registry,
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            Released::Signed(_) => "signed",
            _ => "published",
        }
    }

    fn source(&self, ev: &EntryEvidence) -> String {
        match self {
            Released::Registry(_) => format!(
                "time as {} states it; a mirror may rewrite it",
                ev.registry
            ),
            Released::Signed(_) => "the verified transparency-log or timestamp-authority time of its provenance's signature".to_string(),
            Released::RegistryAfterSigned { signed, .. } => format!(
                "time as {} states it, later than the verified signing time of its provenance, {signed}",
                ev.registry
            ),
        }
    }
}

fn released(ev: &EntryEvidence, record: &VersionRecord) -> Option<Released> {
    let registry = record
        .published
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok());
    let signed = match &ev.provenance {
        Provenance::Verified(facts) => facts.signed_at.parse::<Timestamp>().ok(),
        _ => None,
    };
    match (registry, signed) {
        (Some(registry), Some(signed)) if registry > signed => {
            Some(Released::RegistryAfterSigned { registry, signed })
        }
        (_, Some(signed)) => Some(Released::Signed(signed)),
        (Some(registry), None) => Some(Released::Registry(registry)),
        (None, None) => None,
    }
}

/// "5 hours ago", or in days from two days on.
fn ago(seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds < 2 * DAY {
        format!("{} hours ago", seconds / 3600)
    } else {
        format!("{} days ago", seconds / DAY)
    }
}
