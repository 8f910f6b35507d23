//! The trust ladder: each registry entry's verified trust level against the
//! level its package's earlier releases claimed (downgrades), the policy's
//! required level, who published and approved it compared with the
//! previous release, and its age. Reads evidence only.

use super::{Context, EntryFindings};
use crate::config::{NamePattern, TrustPolicy};
use crate::evidence::model::{EntryEvidence, Metadata};
use crate::evidence::provenance::{Provenance, ProvenanceFacts};
use crate::finding::Code;
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

    if let (Some(level), Some(baseline)) = (level, &record.history.baseline)
        && baseline.level > level
        && !policy.exclude.iter().any(|p| p.matches(&name))
        && policy
            .ignore_after_days
            .is_none_or(|days| age_days.is_none_or(|age| age <= i64::from(days)))
    {
        f.report(
            Code::TrustDowngrade,
            format!(
                "verified trust level {}, but {} (published earlier) claims {}{}",
                level.as_str(),
                baseline.version,
                baseline.level.as_str(),
                unverified_claim(record, level)
            ),
        );
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
    if let (Some(min), Some(published)) = (policy.min_release_age_days, published) {
        let age = ctx.now.as_second() - published.as_second();
        if age < i64::from(min) * 86_400 {
            f.report(
                Code::ReleaseTooNew,
                format!(
                    "published {published} ({} hours ago), under the minimum release age of {min} days (time as {} states it; a mirror may rewrite it)",
                    age.max(0) / 3600,
                    ev.registry
                ),
            );
        }
    }
}

/// The level the most specific matching `require` pattern asks for.
fn required(policy: &TrustPolicy, name: &str) -> Option<TrustLevel> {
    policy
        .require
        .iter()
        .filter(|(p, _)| p.matches(name))
        .max_by_key(|(p, _)| specificity(p))
        .map(|(_, level)| *level)
}

fn specificity(p: &NamePattern) -> u8 {
    if p.matches("") {
        0
    } else if p.matches_any_in_scope() {
        1
    } else {
        2
    }
}

/// "; this version's fields claim X but only Y was verified" when the
/// fields claim more than was verified (an attestation that could not be
/// had or did not verify).
fn unverified_claim(
    record: &crate::registry::packument::VersionRecord,
    level: TrustLevel,
) -> String {
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
