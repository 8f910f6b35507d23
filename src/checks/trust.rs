//! The trust ladder: each registry entry's trust level against the level
//! its package's earlier releases claimed (downgrades, on the package's
//! ladder), the policy's required level, and who published and approved
//! it compared with the previous release. Reads evidence only.
//!
//! The entry's level is what lockproof verified. When nothing could be
//! verified (a registry that serves no signatures or attestations, such
//! as a caching proxy), the level the entry's own version document claims
//! is compared instead, and the finding says so: a registry that claims
//! less for this version than for earlier ones needs no proof to be
//! believed, and unknown evidence must not hide what it claims.

use super::{Context, EntryFindings};
use crate::config::TrustPolicy;
use crate::evidence::model::{EntryEvidence, Metadata, Signatures};
use crate::evidence::provenance::{Provenance, ProvenanceFacts};
use crate::finding::Code;
use crate::registry::packument::VersionRecord;
use crate::trust::TrustLevel;

pub(super) fn check(f: &mut EntryFindings, ev: &EntryEvidence, ctx: &Context) {
    let Metadata::Found(record) = &ev.metadata else {
        return;
    };
    let published = record
        .published
        .as_deref()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let age_days = published.map(|p| (ctx.now.as_second() - p.as_second()) / 86_400);
    let level = ev.trust_level();
    let name = f.entry.name.clone();
    let policy = &ctx.trust;
    let ladder = policy.ladder_for(&name);

    if let Some(baseline) = record.history.baseline(&ladder)
        && !policy.exclude.iter().any(|p| p.matches(&name))
        && policy
            .ignore_after_days
            .is_none_or(|days| age_days.is_none_or(|age| age <= i64::from(days)))
    {
        match level {
            Some(level) if ladder.below(level, baseline.level) => f.report(
                Code::TrustDowngrade,
                format!(
                    "verified trust level {}, but {} (published earlier) claims {}{}",
                    level.as_str(),
                    baseline.version,
                    baseline.level.as_str(),
                    unverified_claim(record, level)
                ),
            ),
            Some(_) => {}
            None => {
                let claimed = TrustLevel::claimed(&record.trust_fields());
                if ladder.below(claimed, baseline.level) {
                    // The level is unknown only when the signatures are.
                    let why = match &ev.signatures {
                        Signatures::Unknown(why) => format!(" ({why})"),
                        Signatures::Judged(_) => String::new(),
                    };
                    f.report(
                        Code::TrustDowngrade,
                        format!(
                            "claimed, unverified: this version's document claims {}, but {} (published earlier) claims {}; neither could be verified{why}",
                            claimed.as_str(),
                            baseline.version,
                            baseline.level.as_str(),
                        ),
                    );
                }
            }
        }
    }
    if let Some(required) = required(policy, &name).filter(|r| *r > TrustLevel::None) {
        match level {
            Some(level) if level >= required => {}
            Some(level) => f.report(
                Code::TrustBelowRequired,
                format!(
                    "policy requires {} for this package; verified level is {}",
                    required.as_str(),
                    level.as_str()
                ),
            ),
            None => f.report(
                Code::TrustBelowRequired,
                format!(
                    "policy requires {} for this package; the registry does not serve the evidence, so the level is unknown",
                    required.as_str()
                ),
            ),
        }
    }
    let user = record.npm_user.as_ref();
    if let Some(previous) = &record.history.previous {
        let approver = user
            .and_then(|u| u.approver.as_ref())
            .map(|a| a.name.as_str());
        if let (Some(now), Some(before)) = (approver, previous.fields.approver.as_deref())
            && now != before
        {
            f.report(
                Code::ApproverChanged,
                format!(
                    "staged publish approved by {now}; {} was approved by {before}",
                    previous.version
                ),
            );
        }
        let publisher = user.map(|u| u.name.as_str()).filter(|n| !n.is_empty());
        if let (Some(now), Some(before)) = (publisher, previous.fields.publisher.as_deref())
            && now != before
        {
            f.report(
                Code::PublisherChanged,
                format!(
                    "published by {now}; {} was published by {before}",
                    previous.version
                ),
            );
        }
    }
    if let Some(previous) = &record.history.previous {
        drift(
            f,
            &ev.provenance,
            ev.previous_provenance.as_ref(),
            &previous.version,
        );
    }
}

/// The level the most specific matching `require` pattern asks for.
fn required(policy: &TrustPolicy, name: &str) -> Option<TrustLevel> {
    policy
        .require
        .iter()
        .filter(|(p, _)| p.matches(name))
        .max_by_key(|(p, _)| p.specificity())
        .map(|(_, level)| *level)
}

/// "; this version's fields claim X but only Y was verified" when the
/// fields claim more than was verified (an attestation that could not be
/// had or did not verify).
fn unverified_claim(record: &VersionRecord, level: TrustLevel) -> String {
    let claimed = TrustLevel::claimed(&record.trust_fields());
    if claimed > level {
        format!(
            "; this version's fields claim {} but only {} was verified",
            claimed.as_str(),
            level.as_str()
        )
    } else {
        String::new()
    }
}

/// `identity-drift` when both this version's and the previous release's
/// provenance verified and they name another CI provider, repository or
/// workflow file. The workflow is compared without its `@ref`, which
/// changes with every tagged release.
fn drift(
    f: &mut EntryFindings,
    now: &Provenance,
    before: Option<&Provenance>,
    previous_version: &str,
) {
    let (Provenance::Verified(now), Some(Provenance::Verified(before))) = (now, before) else {
        return;
    };
    let workflow = |p: &ProvenanceFacts| {
        p.workflow.as_deref().map(|w| {
            w.split_once("@refs/")
                .map_or(w, |(file, _)| file)
                .to_owned()
        })
    };
    let facets = [
        ("CI provider", now.issuer.clone(), before.issuer.clone()),
        (
            "source repository",
            now.source_repository.clone(),
            before.source_repository.clone(),
        ),
        ("workflow", workflow(now), workflow(before)),
    ];
    let changed: Vec<String> = facets
        .into_iter()
        .filter_map(|(what, now, before)| match (now, before) {
            (Some(now), Some(before)) if now != before => {
                Some(format!("{what} {now} (was {before})"))
            }
            _ => None,
        })
        .collect();
    if !changed.is_empty() {
        f.report(
            Code::IdentityDrift,
            format!(
                "provenance built elsewhere than {previous_version}'s: {}",
                changed.join("; ")
            ),
        );
    }
}
