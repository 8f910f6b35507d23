//! `lockproof install`: the audit as a gate, every tarball verified, then
//! the real `npm ci --offline` reading from an npm cache folder that holds
//! only the verified bytes, so npm can install nothing else.
//!
//! Each step that stops the install says so on standard error: the audit
//! failing the policy, tarballs that could not be verified, npm not
//! starting, or npm failing (its exit code is lockproof's).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use anyhow::{Context as _, Result, bail};

use super::ExitStatus;
use super::audit::{audit_all, render};
use super::settings::{AuditSettings, cache_dir};
use crate::cacache::{NpmCache, PackumentVersion, minimal_packument, packument_url};
use crate::cli::InstallArgs;
use crate::evidence::tarball::{Skip, VerifiedTarball};
use crate::registry::npmrc::NpmConfig;

/// npm options that would let npm fetch bytes lockproof did not verify, or
/// install another project than the one audited. npm's option parser takes
/// any unambiguous abbreviation, any case and any number of `no-`, so user
/// arguments are compared after the same normalisation (see
/// [`refused_option`]).
const REFUSED_NPM_OPTIONS: [&str; 6] = [
    "cache",
    "offline",
    "online",
    "prefer-online",
    "registry",
    // Another folder would install another lockfile than the one audited.
    "prefix",
];

/// Runs `lockproof install`.
pub(super) fn run(args: &InstallArgs) -> Result<ExitStatus> {
    if let Some(bad) = args.npm_args.iter().find(|a| refused_option(a)) {
        bail!(
            "npm option {bad:?} is not allowed: lockproof install sets the cache and --offline \
             itself, so that npm installs only the bytes lockproof verified"
        );
    }
    if args.audit.paths.len() > 1 {
        bail!("lockproof install takes one project (a lockfile or its folder)");
    }
    if args.audit.base.is_some() {
        // Diff mode verifies changed entries only; npm installs them all.
        bail!("lockproof install verifies every entry: --base is for reviewing changes");
    }
    let mut audit_args = args.audit.clone();
    audit_args.tarballs = true;
    let settings = AuditSettings::resolve(&audit_args)?;
    let done = audit_all(&settings)?;
    render(&done.report, &settings.output)?;
    if !done.report.passed {
        eprintln!("lockproof: the audit failed the policy: nothing was installed");
        return Ok(ExitStatus::Fail);
    }
    let counts = done.report.summary.tarballs.clone().unwrap_or_default();
    let unfetchable: usize = counts
        .skipped
        .iter()
        .filter(|(skip, _)| matches!(skip, Skip::NoIntegrity | Skip::NoDownload))
        .map(|(_, n)| n)
        .sum();
    if counts.mismatched + counts.failed + unfetchable > 0 {
        eprintln!(
            "lockproof: {} tarballs did not match the lockfile, {} could not be downloaded and {} \
             have no tarball lockproof can verify (see the report): nothing was installed",
            counts.mismatched, counts.failed, unfetchable
        );
        return Ok(ExitStatus::Fail);
    }
    // npm reads the shrinkwrap when there is one beside the package lock
    // (both were audited then): fill the cache from the file npm installs.
    let mut audited = done.verified;
    audited.sort_by_key(|(path, _)| path.file_name() != Some("npm-shrinkwrap.json".as_ref()));
    let Some((lockfile, verified)) = audited.into_iter().next() else {
        bail!("no lockfile was audited");
    };
    let project = lockfile
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let cache_root = cache_dir(args.audit.cache_dir.as_deref())
        .context("no cache folder: set --cache-dir or HOME")?;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let npm_cache = cache_root
        .join("install")
        .join(format!("{}-{nonce}", std::process::id()));
    let npm = settings
        .projects
        .iter()
        .find(|p| p.lockfile == lockfile)
        .map(|p| &p.npm)
        .context("the audited lockfile has no settings")?;
    let outcome = install(args, &project, &npm_cache, &verified, npm);
    let _ = std::fs::remove_dir_all(&npm_cache);
    // Gone once no other install runs.
    if let Some(parent) = npm_cache.parent() {
        let _ = std::fs::remove_dir(parent);
    }
    outcome
}

/// Fills the npm cache folder and runs npm; returns npm's exit code.
fn install(
    args: &InstallArgs,
    project: &Path,
    npm_cache: &PathBuf,
    verified: &[VerifiedTarball],
    npm: &NpmConfig,
) -> Result<ExitStatus> {
    // A folder of this run's own: created here, never one that was
    // already there (whatever it held, npm would read it).
    if let Some(parent) = npm_cache.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::create_dir(npm_cache)
        .with_context(|| format!("cannot create the npm cache folder {}", npm_cache.display()))?;
    let cache = NpmCache::new(npm_cache);
    // npm reads local tarballs (`file:`) from the project, where they were
    // just verified, not from its cache.
    let mut placed = 0;
    for v in verified.iter().filter(|v| v.url.scheme() != "file") {
        placed += 1;
        let bytes = std::fs::read(&v.path)
            .with_context(|| format!("{:?}: cannot read {}", v.spec, v.path.display()))?;
        cache
            .put(v.url.as_str(), &v.integrity, &bytes)
            .with_context(|| {
                format!(
                    "{}: cannot write to the npm cache folder {}",
                    v.spec,
                    npm_cache.display()
                )
            })?;
    }
    put_packuments(&cache, verified, npm)?;
    eprintln!(
        "lockproof: {} verified tarballs placed in {}; running {} ci --offline",
        placed,
        npm_cache.display(),
        args.npm.display()
    );
    let mut command = Process::new(&args.npm);
    // lockproof's options come last: where npm reads an option twice, the
    // last one wins.
    command
        .arg("ci")
        .args(&args.npm_args)
        .arg("--offline")
        .arg("--cache")
        .arg(npm_cache);
    // npm must ask for the metadata where lockproof put it: the registry
    // lockproof audited against.
    if let Some(registry) = &args.audit.registry {
        command.arg("--registry").arg(registry);
    }
    let status = command
        .current_dir(project)
        .status()
        .with_context(|| format!("cannot run {}", args.npm.display()))?;
    match status.code() {
        Some(0) => Ok(ExitStatus::Pass),
        Some(code) => {
            eprintln!("lockproof: npm ci failed with exit code {code}");
            Ok(u8::try_from(code).map_or(ExitStatus::Fail, ExitStatus::External))
        }
        None => {
            eprintln!("lockproof: npm ci was stopped by a signal");
            Ok(ExitStatus::Fail)
        }
    }
}

/// For entries without `resolved`, npm reads the package's registry
/// metadata before the tarball: a packument naming only the verified
/// versions, each pointing at the URL its verified bytes are cached under,
/// so npm finds no other version and no other tarball.
fn put_packuments(cache: &NpmCache, verified: &[VerifiedTarball], npm: &NpmConfig) -> Result<()> {
    let mut by_name: BTreeMap<&str, Vec<PackumentVersion<'_>>> = BTreeMap::new();
    for v in verified {
        if let Some((name, version)) = &v.unresolved {
            by_name.entry(name).or_default().push(PackumentVersion {
                version,
                tarball: v.url.as_str(),
                integrity: &v.integrity,
            });
        }
    }
    for (name, versions) in by_name {
        let url = packument_url(npm.registry_for(name), name)?;
        cache
            .put_packument(url.as_str(), &minimal_packument(name, versions))
            .with_context(|| {
                format!("{name}: cannot write its metadata to the npm cache folder")
            })?;
    }
    Ok(())
}

/// Whether `arg` is, or could be read by npm as, one of
/// [`REFUSED_NPM_OPTIONS`]: compared without case, leading dashes, any
/// number of `no-` and a `=value`, and refused when it abbreviates one.
/// `--` is refused too: npm would read lockproof's own options after it as
/// arguments, not options. `-C` is npm's short form of `--prefix`.
fn refused_option(arg: &str) -> bool {
    if arg == "--" || arg == "-C" || arg.starts_with("-C=") {
        return true;
    }
    let Some(option) = arg.strip_prefix('-') else {
        return false;
    };
    let mut name = option.trim_start_matches('-').to_ascii_lowercase();
    if let Some((n, _)) = name.split_once('=') {
        name = n.to_string();
    }
    while let Some(rest) = name.strip_prefix("no-") {
        name = rest.to_string();
    }
    name.len() >= 2 && REFUSED_NPM_OPTIONS.iter().any(|o| o.starts_with(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_refused_as_npm_would_read_them() {
        for bad in [
            "--cache",
            "--cache=/tmp/x",
            "--off",
            "--no-off",
            "--NO-offline",
            "--no-no-offline",
            "--off=false",
            "--prefer-online",
            "--reg=http://x/",
            "--prefix=/other",
            "-C",
            "--",
        ] {
            assert!(refused_option(bad), "{bad}");
        }
        for fine in [
            "--omit=dev",
            "--ignore-scripts",
            "--cache-min=1",
            "--no-audit",
            "--foreground-scripts",
            "-w",
            "pkg",
        ] {
            assert!(!refused_option(fine), "{fine}");
        }
    }
}
