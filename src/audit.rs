//! One lockfile's audit, from the parsed lockfile to policy's verdict:
//! evidence collected from a source, the checks, the diff-mode filter and
//! the project's policy. Rendering and exit codes belong to the caller.

use jiff::Timestamp;

use crate::advisories::{self, evidence::DbInfo};
use crate::anchors::Anchors;
use crate::checks::shrinkwrap::IgnoredShrinkwrap;
use crate::checks::{self, Context};
use crate::config::{Config, Date};
use crate::diff::{LockfileDiff, trust_change};
use crate::evidence::collect::{Request, Tarballs, collect};
use crate::evidence::source::Source;
use crate::evidence::tarball::{self, TarballCounts, VerifiedTarball};
use crate::finding::Severity;
use crate::installer::Installer;
use crate::lockfile::Lockfile;
use crate::policy::{self, NoteKind, Policy};
use crate::registry::npmrc::NpmConfig;
use crate::report::{Audited, InstallerSummary, LockfileDiffSummary};

/// What every lockfile of a run is audited with.
pub struct Options<'a> {
    /// Whether tarballs are verified, and for which platforms.
    pub tarballs: Tarballs<'a>,
    /// The trust anchors.
    pub anchors: &'a Anchors,
    /// The advisory database consulted, as reports describe it.
    pub advisory_database: &'a DbInfo,
    /// `--fail-on`, overriding the configuration's.
    pub fail_on: Option<Severity>,
    /// The time everything is judged at.
    pub now: Timestamp,
}

/// One lockfile to audit.
pub struct Subject<'a> {
    /// The parsed lockfile.
    pub lockfile: Lockfile,
    /// Diff mode: how it differs from its base.
    pub diff: Option<LockfileDiff>,
    /// The project's configuration.
    pub config: &'a Config,
    /// The project's npm configuration.
    pub npm: &'a NpmConfig,
    /// npm lockfiles: what the npm that installs it will do.
    pub installer: Option<&'a Installer>,
    /// A shrinkwrap that npm will not read (npm ≥ 12).
    pub ignored_shrinkwrap: Option<&'a IgnoredShrinkwrap>,
}

/// An audited lockfile, and the tarballs whose bytes verified (with
/// tarballs) for `install` to hand to npm.
pub struct Outcome {
    /// What the report needs.
    pub audited: Audited,
    /// The verified tarballs, in entry order.
    pub verified: Vec<VerifiedTarball>,
}

/// Audits one lockfile with evidence from `source`.
pub fn audit(subject: Subject<'_>, options: &Options<'_>, source: &dyn Source) -> Outcome {
    let Subject {
        lockfile,
        mut diff,
        config,
        npm,
        installer,
        ignored_shrinkwrap,
    } = subject;
    let scope = diff.as_ref().map(|d| d.scope(&lockfile));
    let base_versions = diff
        .as_ref()
        .map(|d| trust_change::base_versions(d, &lockfile))
        .unwrap_or_default();
    let request = Request {
        npm,
        scope: scope.as_deref(),
        base_versions: &base_versions,
        tarballs: options.tarballs,
        anchors: options.anchors,
        now: options.now,
    };
    let evidence = collect(&lockfile, &request, source);
    if let Some(d) = diff.as_mut() {
        trust_change::mark(d, &lockfile, &evidence);
    }
    let ctx = Context::new(config, options.now)
        .with_npm(npm)
        .with_installer(installer.cloned());
    let mut findings = checks::run(&lockfile, &ctx, Some(&evidence));
    if let Some(d) = &diff {
        findings.extend(d.findings(&lockfile));
        d.raise_install_scripts(&mut findings);
    }
    if let (Some(shrinkwrap), Some(i)) = (ignored_shrinkwrap, installer) {
        findings.push(checks::shrinkwrap::check(shrinkwrap, &i.rules));
    }
    findings.extend(checks::npmrc::check(npm.refused()));
    let lockfile_path = lockfile.path.display().to_string();
    let policy = Policy::new(config, options.fail_on, Date::of(options.now));
    let mut outcome = policy::apply(&policy, findings);
    let diff = diff.map(|d| {
        // Policy judges every finding first, so ignores of findings on
        // unchanged entries still count as used; then only findings about
        // what changed are reported and decide the exit code. Findings
        // about another file (the project's .npmrc, which a change can
        // edit without touching the lockfile) are always shown.
        let (shown, unchanged): (Vec<_>, Vec<_>) = outcome
            .findings
            .drain(..)
            .partition(|j| j.finding.location.file != lockfile_path || d.covers(&j.finding));
        outcome.findings = shown;
        // Registry evidence was fetched for changed entries only, so an
        // ignore of a registry finding on an unchanged entry matches
        // nothing here without being stale: only a full audit can tell.
        outcome.notes.retain(|n| n.kind != NoteKind::UnusedIgnore);
        LockfileDiffSummary {
            base: d.base,
            base_found: d.base_found,
            changes: d.changes,
            unchanged: unchanged.len(),
        }
    });
    let verified = tarball::verified(&lockfile, &evidence.tarballs);
    let audited = Audited {
        tarballs: matches!(options.tarballs, Tarballs::Verify { .. })
            .then(|| TarballCounts::of(&evidence.tarballs)),
        tarballs_skipped: tarball::skipped(&lockfile, &evidence.tarballs),
        advisories: advisories::evidence::summarize(
            options.advisory_database.clone(),
            evidence.advisories.per_entry(),
        ),
        evidence: evidence.summary(&lockfile),
        provenance: evidence.verified_provenance(&lockfile),
        trust: evidence.trust_levels(&lockfile, |name| config.trust.ladder_for(name)),
        evidence_notes: evidence.notes,
        installer: installer.map(InstallerSummary::of),
        lockfile,
        config: config.path.as_ref().map(|p| p.display().to_string()),
        fail_on: policy.fail_on,
        outcome,
        diff,
    };
    Outcome { audited, verified }
}
