//! Settings of an audit, resolved once from the command line, the
//! environment, each project's `.npmrc` and `lockproof.toml` into plain
//! data. Below this module nothing sees a clap type, reads the
//! environment or the clock.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use jiff::Timestamp;

use super::projects::{self, Judge, Project, Projects};
use crate::advisories;
use crate::anchors;
use crate::cli::{AuditArgs, ExtraReport};
use crate::config;
use crate::diff::{Base, DiffError};
use crate::fetch::FetchOptions;
use crate::finding::Severity;
use crate::registry::cache::{Cache, RecordKey};
use crate::registry::client::ClientOptions;
use crate::registry::npmrc::NpmConfig;
use crate::registry::proxy::Proxies;
use crate::report::{self, Format};
use crate::sigstore::trust_root::TrustedRoot;
use crate::tarball::Limits;

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
    /// `--verbose`: every finding listed, every annotation written.
    pub verbose: bool,
    /// Columns the main report's table fits in: the terminal's when it
    /// goes to one, else [`report_width`] without a terminal.
    pub width: usize,
    /// Columns of a table written to a file (`--write table=FILE`).
    pub file_width: usize,
    /// The working folder, absolute: the human formats show lockfile
    /// paths relative to it, and SARIF locates lockfiles inside it
    /// relative to it; `None` when it cannot be read.
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
    /// Where the trust anchors come from.
    pub anchors: anchors::Settings,
    /// Where advisories come from.
    pub advisories: advisories::source::Settings,
    /// The proxies every request goes through.
    pub proxies: Proxies,
    /// `--fail-on`, overriding each configuration's.
    pub fail_on: Option<Severity>,
    /// The report's destination.
    pub output: Output,
    /// The one reading of the clock every judgement of this run uses.
    pub now: Timestamp,
}

impl AuditSettings {
    /// Resolves `args` for `lockproof audit`.
    pub fn resolve(args: &AuditArgs) -> Result<Self> {
        Self::resolve_judged(
            args,
            &Judge::Audit {
                npm_version: args.npm_version.as_deref(),
            },
        )
    }

    /// Resolves `args`, judging npm lockfiles as `judge` says.
    pub fn resolve_judged(args: &AuditArgs, judge: &Judge<'_>) -> Result<Self> {
        let now = Timestamp::now();
        let base = args.base.as_deref().map(Base::parse).transpose()?;
        let explicit = args.config.as_deref().map(config::load).transpose()?;
        let Projects {
            mut projects,
            notes,
        } = projects::resolve(
            &args.paths,
            explicit.as_ref(),
            args.registry.as_deref(),
            judge,
        )?;
        if let (Some(Base::File(base)), 2..) = (&base, projects.len()) {
            return Err(DiffError::FileForSeveral {
                path: base.clone(),
                count: projects.len(),
            }
            .into());
        }
        // `--strict` only tightens: a project file cannot turn it off.
        for p in &mut projects {
            p.config.strict |= args.strict;
        }
        // An explicit trusted root is checked now: a file the user named
        // that is unusable is an error, not a fallback.
        if let Some(path) = &args.trusted_root {
            read_trusted_root(path, now)?;
        }
        let cache_dir = cache_dir(args.cache_dir.as_deref());
        let cache_dir_for_anchors = cache_dir.clone();
        let proxies = proxies()?;
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
            proxies: proxies.clone(),
            anchors: anchor_settings(
                cache_dir_for_anchors.clone(),
                args.offline,
                &args.tuf_url,
                &proxies,
                now,
            )
            .with_trusted_root(args.trusted_root.clone()),
            advisories: advisory_settings(
                cache_dir_for_anchors,
                args.offline,
                args.advisory_db.clone(),
                &args.osv_url,
                &args.osv_export_url,
            )?,
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
                verbose: args.verbose,
                width: report_width(args.output.is_none()),
                file_width: report_width(false),
                working_folder: std::env::current_dir().ok(),
            },
            now,
        })
    }
}

/// The columns a table fits in: the terminal's when `to_stdout` and
/// standard output is one, otherwise `COLUMNS` when it holds a number
/// (either clamped to 40..=1000), else [`report::DEFAULT_WIDTH`].
fn report_width(to_stdout: bool) -> usize {
    let terminal = to_stdout
        .then(|| terminal_size::terminal_size_of(std::io::stdout()))
        .flatten()
        .map(|(w, _)| usize::from(w.0));
    let columns = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
    };
    terminal
        .or_else(columns)
        .map_or(report::DEFAULT_WIDTH, |w| w.clamp(40, 1000))
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

/// Where trust anchors come from: Sigstore's TUF repository at `tuf_url`
/// (not contacted offline), cached under `cache_dir`.
pub(super) fn anchor_settings(
    cache_dir: Option<PathBuf>,
    offline: bool,
    tuf_url: &str,
    proxies: &Proxies,
    now: Timestamp,
) -> anchors::Settings {
    let mut settings = anchors::Settings::new(cache_dir, now);
    settings.offline = offline;
    settings.tuf_url = tuf_url.to_owned();
    settings.proxies = proxies.clone();
    settings
}

/// Where advisories come from: `--advisory-db`, else the export
/// `lockproof advisories update` downloaded, else (online) the API.
pub(super) fn advisory_settings(
    cache_dir: Option<PathBuf>,
    offline: bool,
    advisory_db: Option<PathBuf>,
    api_url: &str,
    export_url: &str,
) -> Result<advisories::source::Settings> {
    let url = |what: &str, text: &str| {
        url::Url::parse(text).with_context(|| format!("{what} {text:?} is not a URL"))
    };
    Ok(advisories::source::Settings {
        cache_dir,
        advisory_db,
        export_url: url("--osv-export-url", export_url)?,
        api: advisories::api::ApiSettings::new(url("--osv-url", api_url)?),
        offline,
        limits: advisories::export::Limits::default(),
    })
}

/// The HTTP client advisories are fetched with: the audit's timeout and
/// retries, through the proxies npm's configuration names.
pub(super) fn advisory_http(
    timeout: Duration,
    retries: u32,
    proxies: &Proxies,
) -> advisories::http::UreqHttp {
    advisories::http::UreqHttp::new(
        advisories::http::HttpOptions {
            timeout,
            retries,
            ..advisories::http::HttpOptions::default()
        },
        proxies,
    )
}

/// The proxies npm's configuration outside the repository names (the
/// user's `.npmrc`, `npm_config_*`, the standard environment variables):
/// the same for every project of a run.
pub(super) fn proxies() -> Result<Proxies> {
    Ok(NpmConfig::from_process_env(None, None)?.proxies().clone())
}

/// A Sigstore trusted root the user named, read and checked at `now`.
pub(super) fn read_trusted_root(path: &Path, now: Timestamp) -> Result<TrustedRoot> {
    let body = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    TrustedRoot::from_json(&body, now)
        .with_context(|| format!("{}: unusable trusted root", path.display()))
}
