//! Settings of an audit, resolved once from the command line, the
//! environment, each project's `.npmrc` and `lockproof.toml` into plain
//! data. Below this module nothing sees a clap type, reads the
//! environment or the clock.

use std::collections::BTreeSet;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use jiff::Timestamp;

use crate::cli::{AuditArgs, ExtraReport};
use crate::config::{self, Config};
use crate::diff::{Base, DiffError};
use crate::fetch::FetchOptions;
use crate::finding::Severity;
use crate::lockfile;
use crate::registry::cache::{Cache, RecordKey};
use crate::registry::client::ClientOptions;
use crate::registry::npmrc::NpmConfig;
use crate::report::Format;
use crate::sigstore::trust_root::TrustedRoot;
use crate::tarball::Limits;

/// One lockfile to audit, with the configuration that applies to it.
pub(super) struct Project {
    /// The lockfile, as the user named it (`./` dropped).
    pub lockfile: PathBuf,
    /// `--config`, else the `lockproof.toml` beside the lockfile, else the
    /// defaults.
    pub config: Config,
    /// npm's configuration for the lockfile's folder.
    pub npm: NpmConfig,
}

/// Where and how the report is written.
pub(super) struct Output {
    /// The format of the main report.
    pub format: Format,
    /// `--output FILE`, else standard output.
    pub file: Option<PathBuf>,
    /// `--write FORMAT=FILE` reports.
    pub extra: Vec<ExtraReport>,
    /// Nothing on standard output.
    pub quiet: bool,
    /// ANSI colour in the table.
    pub color: bool,
    /// The working folder, absolute (SARIF locates lockfiles inside it
    /// relative to it); `None` when it cannot be read.
    pub working_folder: Option<PathBuf>,
}

/// Everything an audit run needs, resolved.
pub(super) struct AuditSettings {
    /// The lockfiles, in the order given, each once.
    pub projects: Vec<Project>,
    /// What resolving the lockfiles found worth telling the reader.
    pub notes: Vec<String>,
    /// Diff mode: the base to compare with.
    pub base: Option<Base>,
    /// How evidence is fetched.
    pub fetch: FetchOptions,
    /// Verify tarball bytes.
    pub tarballs: bool,
    /// With tarballs: every platform's optional packages too.
    pub all_platforms: bool,
    /// `--trusted-root FILE`, read and checked.
    pub trusted_root: Option<TrustedRoot>,
    /// `--fail-on`, overriding each configuration's.
    pub fail_on: Option<Severity>,
    /// The report's destination.
    pub output: Output,
    /// The one reading of the clock every judgement of this run uses.
    pub now: Timestamp,
}

impl AuditSettings {
    /// Resolves `args`.
    pub fn resolve(args: &AuditArgs) -> Result<Self> {
        let now = Timestamp::now();
        let base = args.base.as_deref().map(Base::parse).transpose()?;
        let (files, notes) = lockfiles(&args.paths)?;
        if let (Some(Base::File(base)), 2..) = (&base, files.len()) {
            return Err(DiffError::FileForSeveral {
                path: base.clone(),
                count: files.len(),
            }
            .into());
        }
        let explicit = args.config.as_deref().map(config::load).transpose()?;
        let mut projects = files
            .into_iter()
            .map(|lockfile| project(lockfile, explicit.as_ref(), args.registry.as_deref()))
            .collect::<Result<Vec<_>>>()?;
        // `--strict` only tightens: a project file cannot turn it off.
        for p in &mut projects {
            p.config.strict |= args.strict;
        }
        let cache_dir = cache_dir(args.cache_dir.as_deref());
        if args.tarballs && cache_dir.is_none() {
            bail!("--tarballs needs a folder for the tarball store: set --cache-dir or HOME");
        }
        let progress = !args.quiet && std::io::stderr().is_terminal();
        let format = args.format.map_or(Format::Table, Format::from);
        Ok(Self {
            projects,
            notes,
            base,
            fetch: FetchOptions {
                offline: args.offline,
                client: ClientOptions {
                    timeout: Duration::from_secs(args.timeout),
                    retries: args.retries,
                    max_body: args.max_response_bytes,
                    connections: usize::from(args.jobs),
                    ..ClientOptions::default()
                },
                cache_dir,
                record_key: record_key(),
                jobs: usize::from(args.jobs),
                progress,
                limits: Limits {
                    max_decompressed_bytes: args.max_unpacked_bytes,
                    ..Limits::default()
                },
                now: now.as_second(),
            },
            tarballs: args.tarballs,
            all_platforms: args.all_platforms,
            trusted_root: args
                .trusted_root
                .as_deref()
                .map(|path| read_trusted_root(path, now))
                .transpose()?,
            fail_on: args.fail_on,
            output: Output {
                format,
                file: args.output.clone(),
                extra: args.write.clone(),
                quiet: args.quiet,
                color: format == Format::Table
                    && args.output.is_none()
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
                working_folder: std::env::current_dir().ok(),
            },
            now,
        })
    }
}

/// The lockfiles `paths` name (the current folder when none), each once,
/// in order, with the shrinkwrap npm reads beside a package lock added;
/// and a note for each shrinkwrap added.
fn lockfiles(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut notes = Vec::new();
    let mut files: Vec<PathBuf> = Vec::with_capacity(paths.len());
    for path in paths {
        let file = lockfile::locate(path)?;
        let shadow = lockfile::shadowing_shrinkwrap(&file);
        if let Some(shrinkwrap) = shadow {
            notes.push(format!(
                "npm installs from {}, not from {}: both were audited",
                tidy(&shrinkwrap).display(),
                tidy(&file).display()
            ));
            files.push(tidy(&file));
            files.push(tidy(&shrinkwrap));
        } else {
            files.push(tidy(&file));
        }
    }
    // Order-preserving: pre-commit passes `npm-shrinkwrap.json` before the
    // `package-lock.json` that adds it again as its shadow.
    let mut seen = BTreeSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok((files, notes))
}

/// The settings of one lockfile.
fn project(
    lockfile: PathBuf,
    explicit: Option<&Config>,
    registry: Option<&str>,
) -> Result<Project> {
    let config = match explicit {
        Some(c) => c.clone(),
        None => match config::find_beside(&lockfile) {
            Some(p) => config::load(&p)?,
            None => Config::default(),
        },
    };
    let folder = lockfile
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let npm = NpmConfig::from_process_env(Some(folder), registry)?;
    Ok(Project {
        lockfile,
        config,
        npm,
    })
}

/// `./package-lock.json` reads better as `package-lock.json`.
fn tidy(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

/// `--cache-dir`, else the platform's cache folder.
pub(super) fn cache_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit.map(Path::to_path_buf).or_else(Cache::default_dir)
}

/// The key that authenticates cache records: kept in lockproof's config
/// folder (`$XDG_CONFIG_HOME/lockproof`, `~/.config/lockproof`, or
/// `%APPDATA%\lockproof`), never in the cache folder, which may come from
/// elsewhere. Without a folder for it, a key for this run only.
fn record_key() -> RecordKey {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(target_os = "windows") {
        env("APPDATA")
    } else {
        env("XDG_CONFIG_HOME").or_else(|| env("HOME").map(|h| h.join(".config")))
    };
    base.and_then(|b| RecordKey::load_or_create(&b.join("lockproof").join("cache.key")).ok())
        .unwrap_or_else(RecordKey::ephemeral)
}

/// A Sigstore trusted root the user named, read and checked at `now`.
pub(super) fn read_trusted_root(path: &Path, now: Timestamp) -> Result<TrustedRoot> {
    let body = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    TrustedRoot::from_json(&body, now)
        .with_context(|| format!("{}: unusable trusted root", path.display()))
}
