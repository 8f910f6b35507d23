//! Command-line arguments (clap derive). Bare `lockproof` runs `audit`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::finding::Severity;
use crate::report::Format;

/// Verify a JavaScript lockfile (npm, pnpm, Yarn, Bun) before anything from
/// it is installed.
///
/// Exit codes: 0 nothing fails the policy; 1 a finding fails the policy;
/// 2 usage, configuration, input or internal error.
#[derive(Debug, Parser)]
#[command(name = "lockproof", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do (default: audit).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of the default `audit` command.
    #[command(flatten)]
    pub audit: AuditArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit lockfiles and report findings (the default command).
    Audit(AuditArgs),
    /// Print the documentation of a finding code.
    Explain(ExplainArgs),
    /// Show or clear the registry cache.
    Cache(CacheArgs),
    /// Verify one artifact against one Sigstore bundle (offline).
    VerifyBundle(VerifyBundleArgs),
    /// Audit, verify every tarball, then run `npm ci` offline on exactly
    /// the verified bytes.
    Install(InstallArgs),
    /// Show or refresh the trust anchors: npm's registry keys and the
    /// Sigstore trusted root, from Sigstore's TUF repository.
    Trust(TrustArgs),
    /// Download and index the OSV advisory database for offline audits.
    Advisories(AdvisoriesArgs),
}

/// Arguments of `lockproof advisories`.
#[derive(Debug, Args)]
pub struct AdvisoriesArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: AdvisoriesAction,

    /// Cache folder [default: the platform cache folder]/lockproof.
    #[arg(
        long,
        value_name = "DIR",
        env = "LOCKPROOF_CACHE_DIR",
        hide_env_values = true,
        global = true
    )]
    pub cache_dir: Option<PathBuf>,

    /// The OSV export (a zip of OSV records for npm) to download.
    #[arg(
        long,
        value_name = "URL",
        env = "LOCKPROOF_OSV_EXPORT_URL",
        default_value = crate::advisories::update::DEFAULT_EXPORT_URL,
        global = true
    )]
    pub osv_export_url: String,
}

/// `lockproof advisories` actions.
#[derive(Debug, Subcommand)]
pub enum AdvisoriesAction {
    /// Download the export when it changed (one conditional request when
    /// not) and index it by package name.
    Update,
    /// Say which database an audit would use, and how old it is.
    Show,
}

/// Arguments of `lockproof trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: TrustAction,

    /// Cache folder [default: the platform cache folder]/lockproof.
    #[arg(
        long,
        value_name = "DIR",
        env = "LOCKPROOF_CACHE_DIR",
        hide_env_values = true,
        global = true
    )]
    pub cache_dir: Option<PathBuf>,

    /// The TUF repository trust anchors are refreshed from.
    #[arg(
        long,
        value_name = "URL",
        env = "LOCKPROOF_TUF_URL",
        default_value = crate::anchors::tuf::SIGSTORE_TUF_URL,
        global = true
    )]
    pub tuf_url: String,

    /// Use no network: the verified cache, else the embedded copies.
    #[arg(long, env = "LOCKPROOF_OFFLINE", hide_env_values = true, value_parser = clap::builder::FalseyValueParser::new(), global = true)]
    pub offline: bool,
}

/// `lockproof trust` actions.
#[derive(Debug, Subcommand)]
pub enum TrustAction {
    /// Print the anchors in use: where each came from, TUF versions,
    /// expiry, key ids.
    Show,
    /// Refresh the anchors from the TUF repository now.
    Update,
}

/// Arguments of `lockproof install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The audit that gates the install (tarballs are always verified).
    #[command(flatten)]
    pub audit: AuditArgs,

    /// The npm executable to run.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "npm",
        env = "LOCKPROOF_NPM"
    )]
    pub npm: PathBuf,

    /// Extra arguments for `npm ci`, after `--`.
    #[arg(last = true, value_name = "NPM_CI_ARGS")]
    pub npm_args: Vec<String>,
}

/// Arguments of `lockproof verify-bundle`.
#[derive(Debug, Args)]
pub struct VerifyBundleArgs {
    /// The Sigstore bundle (JSON, media type v0.1 to v0.3).
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,

    /// The signer's certificate identity (SAN) that must match exactly,
    /// e.g. a workflow URI.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "key",
        requires = "certificate_oidc_issuer"
    )]
    pub certificate_identity: Option<String>,

    /// The OIDC issuer that must match exactly, e.g.
    /// https://token.actions.githubusercontent.com.
    #[arg(long, value_name = "URL", requires = "certificate_identity")]
    pub certificate_oidc_issuer: Option<String>,

    /// Require this source repository (Fulcio extension .12), e.g.
    /// https://github.com/owner/repo.
    #[arg(long, value_name = "URI", requires = "certificate_identity")]
    pub certificate_source_repository: Option<String>,

    /// Require this source ref (.14), e.g. refs/tags/v1.0.0.
    #[arg(long, value_name = "REF", requires = "certificate_identity")]
    pub certificate_source_ref: Option<String>,

    /// Require this runner environment (.11): github-hosted or self-hosted.
    #[arg(long, value_name = "ENV", requires = "certificate_identity")]
    pub certificate_runner_environment: Option<String>,

    /// Verify against this public key (PEM) instead of a certificate
    /// identity, as for npm publish attestations.
    #[arg(long, value_name = "PEM", conflicts_with_all = ["certificate_identity", "certificate_oidc_issuer"])]
    pub key: Option<PathBuf>,

    /// Sigstore trusted root [default: the embedded public-good root].
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,

    /// The artifact: a file path, or a digest `sha256:<hex>` / `sha512:<hex>`.
    /// For an in-toto bundle it must be a subject of the statement.
    #[arg(value_name = "FILE_OR_DIGEST")]
    pub artifact: String,
}

/// Arguments of `lockproof cache`.
#[derive(Debug, Args)]
pub struct CacheArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: CacheAction,

    /// Cache folder [default: the platform cache folder]/lockproof.
    #[arg(
        long,
        value_name = "DIR",
        env = "LOCKPROOF_CACHE_DIR",
        hide_env_values = true,
        global = true
    )]
    pub cache_dir: Option<PathBuf>,
}

/// `lockproof cache` actions.
#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Print where the cache is and how large it is.
    Info,
    /// Delete the cache.
    Clean,
}

/// Arguments of `lockproof audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Lockfiles, or folders: every lockfile of a folder that a package
    /// manager installs from (package-lock.json or npm-shrinkwrap.json,
    /// pnpm-lock.yaml, yarn.lock, bun.lock). For npm ≤ 11
    /// npm-shrinkwrap.json wins over package-lock.json; npm ≥ 12 reads
    /// package-lock.json only. Default: the current folder.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Report format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: Option<FormatArg>,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write the report in FORMAT to FILE (repeatable), from the same
    /// audit: e.g. `--write sarif=lockproof.sarif --write markdown=summary.md`.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_extra_report)]
    pub write: Vec<ExtraReport>,

    /// Lowest severity that fails the run [default: high, or fail-on in
    /// lockproof.toml].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,

    /// Configuration file [default: lockproof.toml beside each lockfile].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Report only entries added or changed relative to BASE: a lockfile,
    /// or a git revision at which each lockfile is read (`git show
    /// REV:path`). Findings on unchanged entries are counted, not shown.
    #[arg(long, value_name = "BASE", allow_hyphen_values = true)]
    pub base: Option<String>,

    /// Use no network: registry evidence comes from the cache only, and
    /// the report lists the entries it could not judge.
    #[arg(long, env = "LOCKPROOF_OFFLINE", hide_env_values = true, value_parser = clap::builder::FalseyValueParser::new())]
    pub offline: bool,

    /// Registry URL [default: from .npmrc and npm_config_registry, else
    /// https://registry.npmjs.org/].
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,

    /// Cache folder [default: the platform cache folder]/lockproof.
    #[arg(
        long,
        value_name = "DIR",
        env = "LOCKPROOF_CACHE_DIR",
        hide_env_values = true
    )]
    pub cache_dir: Option<PathBuf>,

    /// Sigstore trusted root for provenance [default: Sigstore's
    /// public-good root, from its TUF repository, the verified cache, or
    /// the embedded copy].
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,

    /// The TUF repository npm's keys and the Sigstore trusted root are
    /// refreshed from (a mirror of Sigstore's).
    #[arg(
        long,
        value_name = "URL",
        env = "LOCKPROOF_TUF_URL",
        default_value = crate::anchors::tuf::SIGSTORE_TUF_URL
    )]
    pub tuf_url: String,

    /// A local OSV export zip to take advisories from (air-gapped machines,
    /// mirrors) instead of the downloaded export or the OSV API.
    #[arg(long, value_name = "FILE")]
    pub advisory_db: Option<PathBuf>,

    /// The OSV-compatible API asked for advisories when no export was
    /// downloaded (`lockproof advisories update`).
    #[arg(
        long,
        value_name = "URL",
        env = "LOCKPROOF_OSV_URL",
        default_value = crate::advisories::api::DEFAULT_API_URL
    )]
    pub osv_url: String,

    /// The OSV export an earlier `lockproof advisories update` downloaded.
    #[arg(
        long,
        value_name = "URL",
        env = "LOCKPROOF_OSV_EXPORT_URL",
        default_value = crate::advisories::update::DEFAULT_EXPORT_URL
    )]
    pub osv_export_url: String,

    /// Parallel requests to the registry.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,

    /// Seconds allowed for one request.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,

    /// Retries of a request after connection errors, timeouts, 429 and 5xx.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,

    /// Largest registry response accepted, in bytes (after decompression).
    #[arg(long, value_name = "BYTES", default_value_t = 256 * 1024 * 1024)]
    pub max_response_bytes: u64,

    /// Download every tarball once into the tarball store, verify its bytes
    /// against the lockfile's integrity, and inspect it (unsafe archives,
    /// manifest confusion).
    #[arg(long)]
    pub tarballs: bool,

    /// With --tarballs (and in `install`): verify optional entries for
    /// other platforms too (by default they are skipped where npm would not
    /// install them).
    #[arg(long)]
    pub all_platforms: bool,

    /// With --tarballs (and in `install`): largest decompressed size of one
    /// tarball, in bytes; inflating stops there (gzip bombs).
    #[arg(long, value_name = "BYTES", default_value_t = 512 * 1024 * 1024)]
    pub max_unpacked_bytes: u64,

    /// Judge by this npm's rules (`12`, `11.6.2`) [default: what
    /// package.json's packageManager or devEngines asks for, else the npm
    /// on PATH, else npm's latest]. `lockproof install` judges by the npm
    /// it runs; this names its version when lockproof cannot read it.
    #[arg(long, value_name = "VERSION", env = "LOCKPROOF_NPM_VERSION")]
    pub npm_version: Option<String>,

    /// Evidence that could not be had (a registry answer, a tarball,
    /// claimed attestations; offline misses included) fails the run, one
    /// finding per entry naming the fault. Evidence a registry does not
    /// serve at all stays a note. Also `strict = true` in lockproof.toml.
    #[arg(long, env = "LOCKPROOF_STRICT", hide_env_values = true, value_parser = clap::builder::FalseyValueParser::new())]
    pub strict: bool,

    /// Print nothing on standard output; the exit code is the verdict
    /// (a report is still written to --output).
    #[arg(long, short)]
    pub quiet: bool,

    /// List every finding on its own row (table, Markdown) and annotate
    /// each one (github). By default a code with more than 5 findings is
    /// one row with the count and 3 examples, and a kind of annotation
    /// GitHub would cut (over 10 errors, warnings or notices) stops at 3
    /// per code and file. JSON and SARIF always list every finding.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Arguments of `lockproof explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The finding code, e.g. `tarball-name-mismatch`.
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,

    /// List every finding code with its severity and summary.
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
}

/// Report formats, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// A table for people (colour on a terminal only).
    Table,
    /// The report as JSON (`docs/report-schema.md`).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// Markdown, for pull request comments and job summaries.
    Markdown,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Github => Format::Github,
        }
    }
}

/// One `--write FORMAT=FILE`: the report also written in another format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraReport {
    /// The format to render.
    pub format: Format,
    /// Where to write it.
    pub path: PathBuf,
}

/// Parses `FORMAT=FILE`. The format is split at the first `=`, so the
/// file name may hold more.
fn parse_extra_report(value: &str) -> Result<ExtraReport, String> {
    let Some((format, path)) = value.split_once('=') else {
        return Err("expected FORMAT=FILE, e.g. sarif=lockproof.sarif".to_string());
    };
    let format = FormatArg::from_str(format, true).map_err(|_| {
        format!("unknown format {format:?}: expected table, json, sarif, markdown or github")
    })?;
    if path.is_empty() {
        return Err("the file name after `=` is empty".to_string());
    }
    Ok(ExtraReport {
        format: format.into(),
        path: PathBuf::from(path),
    })
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::from_name(&s.to_ascii_lowercase())
        .ok_or_else(|| "expected critical, high, medium, low or info".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_reports_parse_format_and_file() {
        assert_eq!(
            parse_extra_report("sarif=out/lockproof.sarif"),
            Ok(ExtraReport {
                format: Format::Sarif,
                path: PathBuf::from("out/lockproof.sarif")
            })
        );
        // Only the first `=` separates: file names may contain one.
        assert_eq!(
            parse_extra_report("JSON=a=b.json").map(|e| (e.format, e.path)),
            Ok((Format::Json, PathBuf::from("a=b.json")))
        );
    }

    #[test]
    fn extra_reports_refuse_what_is_not_format_equals_file() {
        assert!(parse_extra_report("sarif").is_err());
        assert!(parse_extra_report("pdf=x.pdf").is_err());
        assert!(parse_extra_report("json=").is_err());
    }
}
