//! `lockproof install`: the audit as a gate, every tarball verified, then
//! the real `npm ci --offline` reading from an npm cache folder that holds
//! only the verified bytes, so npm can install nothing else.
//!
//! Each step that stops the install says so on standard error: an npm
//! argument that could reach into lockproof's own ([`npm_args`]), the
//! audit failing the policy, tarballs that could not be verified, npm not
//! starting, or npm failing (its exit code is lockproof's).

mod npm_args;
mod npm_options;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use anyhow::{Context as _, Result, bail};

use super::ExitStatus;
use super::audit::{audit_all, render};
use super::projects::Judge;
use super::settings::{AuditSettings, cache_dir};
use crate::cacache::{NpmCache, PackumentVersion, minimal_packument, packument_url};
use crate::cli::InstallArgs;
use crate::evidence::tarball::{Skip, VerifiedTarball};
use crate::lockfile::{LOCKFILE_NAMES, PackageManager};
use crate::registry::npmrc::NpmConfig;

/// Runs `lockproof install`.
pub(super) fn run(args: &InstallArgs) -> Result<ExitStatus> {
    npm_args::check(&args.npm_args)?;
    if args.audit.paths.len() > 1 {
        bail!("lockproof install takes one project (a lockfile or its folder)");
    }
    if args.audit.base.is_some() {
        // Diff mode verifies changed entries only; npm installs them all.
        bail!("lockproof install verifies every entry: --base is for reviewing changes");
    }
    let mut audit_args = args.audit.clone();
    audit_args.tarballs = true;
    // npm's rules are those of the npm that runs.
    let settings = AuditSettings::resolve_judged(
        &audit_args,
        &Judge::Install {
            program: &args.npm,
            npm_version: args.audit.npm_version.as_deref(),
        },
    )?;
    // `npm ci` installs npm's lockfile only: another package manager's
    // would be audited and then not be what is installed.
    if let Some(other) = settings
        .projects
        .iter()
        .find(|p| p.manager != PackageManager::Npm)
    {
        bail!(
            "{}: a {} lockfile: lockproof install runs npm ci, which does not read it; verify \
             its bytes with `lockproof audit --tarballs` and install with {} itself",
            other.lockfile.display(),
            other.manager.as_str(),
            other.manager.as_str()
        );
    }
    // npm ≥ 12 never reads a shrinkwrap (a package lock beside one is
    // what the projects hold then): with a shrinkwrap alone, npm ci has no
    // lockfile to install from.
    if let Some(p) = settings.projects.iter().find(|p| {
        p.lockfile.file_name() == Some(LOCKFILE_NAMES[0].as_ref())
            && p.installer
                .as_ref()
                .is_some_and(|i| !i.rules.reads_shrinkwrap())
    }) {
        bail!(
            "{}: {} does not read npm-shrinkwrap.json and finds no package-lock.json beside it, so \
             npm ci has nothing lockproof verified to install",
            p.lockfile.display(),
            p.installer
                .as_ref()
                .map_or_else(|| "npm".to_owned(), |i| format!("npm {}", i.rules.major))
        );
    }
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
        .filter(|(skip, _)| matches!(skip, Skip::NoIntegrity | Skip::NoDownload | Skip::LocalFile))
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
    // Absolute: npm runs in the project folder.
    let npm_cache = std::path::absolute(
        cache_root
            .join("install")
            .join(format!("{}-{nonce}", std::process::id())),
    )
    .context("cannot resolve the cache folder")?;
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
    command.arg("ci").args(&args.npm_args);
    let settings = npm_args::settings(npm_cache, args.audit.registry.as_deref());
    command.args(settings.iter().map(|(name, value)| value.arg(name)));
    // The same in npm's environment, which outranks every npmrc file: a
    // user or project npmrc cannot undo these even where npm does not read
    // the command line (a program npm starts). Any other spelling of
    // these variables goes, or npm might read it instead.
    for (var, _) in std::env::vars_os() {
        if settings.iter().any(|(name, _)| npm_args::sets(&var, name)) {
            command.env_remove(var);
        }
    }
    for (name, value) in &settings {
        command.env(npm_args::variable(name), value.env());
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
