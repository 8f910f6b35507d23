//! The downloaded tarball against the lockfile and the registry: bytes
//! that do not match the integrity, archives that are not safe to unpack,
//! and manifest confusion (a `package.json` inside the tarball that says
//! something else than the lockfile or the registry's version document;
//! npm runs what the tarball says).

use std::collections::BTreeMap;

use super::EntryFindings;
use crate::evidence::model::{EntryEvidence, Metadata};
use crate::evidence::tarball::TarballEvidence;
use crate::finding::Code;
use crate::registry::packument::Dependencies;
use crate::tarball::{Inspection, Manifest, Violation};

/// Differences listed in one message at most.
const LISTED: usize = 5;

pub(super) fn check(f: &mut EntryFindings, tarball: &TarballEvidence, ev: Option<&EntryEvidence>) {
    match tarball {
        TarballEvidence::Mismatch {
            url,
            expected,
            actual,
        } => f.report(
            Code::TarballIntegrityMismatch,
            format!(
                "{} served bytes hashing to {actual}, the lockfile pins {expected}",
                super::shown_url(url.as_str())
            ),
        ),
        TarballEvidence::Failed { url, reason } => f.report(
            Code::TarballDownloadFailed,
            format!(
                "{}: {reason}; the bytes are unverified",
                super::shown_url(url.as_str())
            ),
        ),
        TarballEvidence::Verified {
            inspection: Err(why),
            ..
        } => f.report(Code::TarballUnsafe, format!("cannot be inspected: {why}")),
        TarballEvidence::Verified {
            inspection: Ok(inspection),
            ..
        } => inspected(f, inspection, ev),
        TarballEvidence::Skipped(_) => {}
    }
}

fn inspected(f: &mut EntryFindings, inspection: &Inspection, ev: Option<&EntryEvidence>) {
    let (archive, manifest): (Vec<&Violation>, Vec<&Violation>) =
        inspection.violations.iter().partition(|v| !is_manifest(v));
    if !archive.is_empty() {
        f.report(Code::TarballUnsafe, listed(&archive));
    }
    if !manifest.is_empty() {
        f.report(Code::ManifestMismatch, listed(&manifest));
    }
    let Some(m) = &inspection.manifest else {
        return;
    };
    identity(f, m);
    let scripts = install_scripts(m, inspection);
    // Formats that record no install scripts (npm v1 and older, pnpm 9,
    // Yarn): nothing to compare.
    let records_scripts = f.lockfile.format.records_install_scripts();
    if records_scripts && !scripts.is_empty() && !f.entry.has_install_script {
        f.report(
            Code::UndeclaredInstallScript,
            format!(
                "the tarball's package.json declares {} at install, but the lockfile does not \
                 record hasInstallScript, so reviews of the lockfile do not show it",
                scripts.join(", ")
            ),
        );
    }
    if let Some(EntryEvidence {
        metadata: Metadata::Found(record),
        ..
    }) = ev
    {
        let differences = dependency_differences(&record.dependencies, m);
        if !differences.is_empty() {
            f.report(
                Code::ManifestDependenciesMismatch,
                format!(
                    "the tarball's package.json declares other dependencies than the registry's \
                     version document: {}",
                    first(&differences)
                ),
            );
        }
    }
}

/// Violations about `package.json` rather than the archive.
fn is_manifest(v: &Violation) -> bool {
    matches!(
        v,
        Violation::MissingManifest
            | Violation::ManifestTooLarge { .. }
            | Violation::MalformedManifest { .. }
            | Violation::DuplicateManifest { .. }
            | Violation::ManifestFieldType { .. }
    )
}

fn listed(violations: &[&Violation]) -> String {
    let shown: Vec<String> = violations.iter().map(|v| format!("tarball {v}")).collect();
    first(&shown)
}

/// The first [`LISTED`] items joined, and how many more there are.
fn first(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > LISTED {
        text.push_str(&format!("; and {} more", items.len() - LISTED));
    }
    text
}

/// `manifest-mismatch` when the tarball names another package or version.
fn identity(f: &mut EntryFindings, m: &Manifest) {
    let entry = f.entry;
    let mut wrong = Vec::new();
    match m.name.as_deref() {
        Some(name) if name == entry.name => {}
        name => wrong.push(format!(
            "name {:?} (the entry is {:?})",
            name.unwrap_or("<none>"),
            entry.name
        )),
    }
    if let Some(locked) = entry.version.as_deref()
        && !same_version(m.version.as_deref(), locked)
    {
        wrong.push(format!(
            "version {:?} (the entry is {locked:?})",
            m.version.as_deref().unwrap_or("<none>")
        ));
    }
    if !wrong.is_empty() {
        f.report(
            Code::ManifestMismatch,
            format!(
                "the tarball's package.json has {}: the package on disk is not the one the \
                 lockfile names",
                wrong.join(" and ")
            ),
        );
    }
}

/// Versions compare as npm normalizes them (`v1.0.0` is `1.0.0`).
fn same_version(tarball: Option<&str>, locked: &str) -> bool {
    let Some(tarball) = tarball else {
        return false;
    };
    tarball == locked
        || matches!(
            (
                node_semver::Version::parse(tarball),
                node_semver::Version::parse(locked)
            ),
            (Ok(a), Ok(b)) if a == b
        )
}

/// The install-time scripts npm would run for this tarball.
fn install_scripts(m: &Manifest, inspection: &Inspection) -> Vec<String> {
    let mut scripts: Vec<String> = [
        ("preinstall", &m.preinstall),
        ("install", &m.install),
        ("postinstall", &m.postinstall),
    ]
    .into_iter()
    .filter(|(_, s)| s.is_some())
    .map(|(name, _)| name.to_string())
    .collect();
    if inspection.implicit_gyp_install() {
        scripts.push("node-gyp rebuild (binding.gyp)".to_string());
    }
    scripts
}

/// What differs between the registry's and the tarball's dependencies.
/// npm folds `optionalDependencies` into `dependencies` when it publishes,
/// so each side is compared with that fold applied.
fn dependency_differences(registry: &Dependencies, tarball: &Manifest) -> Vec<String> {
    let fold = |deps: &BTreeMap<String, String>, optional: &BTreeMap<String, String>| {
        let mut all = deps.clone();
        all.extend(optional.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    };
    let mut out = Vec::new();
    for (kind, reg, tar) in [
        (
            "dependency",
            fold(&registry.dependencies, &registry.optional),
            fold(&tarball.dependencies, &tarball.optional_dependencies),
        ),
        (
            "peer dependency",
            registry.peer.clone(),
            tarball.peer_dependencies.clone(),
        ),
    ] {
        for (name, spec) in &tar {
            match reg.get(name) {
                None => out.push(format!("{kind} {name}@{spec:?} only in the tarball")),
                Some(r) if r != spec => out.push(format!(
                    "{kind} {name}: {spec:?} in the tarball, {r:?} in the registry"
                )),
                Some(_) => {}
            }
        }
        for name in reg.keys().filter(|n| !tar.contains_key(*n)) {
            out.push(format!("{kind} {name} only in the registry"));
        }
    }
    out
}
