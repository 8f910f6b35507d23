//! Orchestration: lockfile → checks → policy → report → exit code.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};

use crate::artifact;
use crate::checks::{self, Context, DEFAULT_ALLOWED_HOSTS};
use crate::cli::{AuditArgs, CacheAction, CacheArgs, Cli, Command, ExplainArgs};
use crate::config::{self, Config, Date};
use crate::diff::{self, Base, ChangeKind, LockfileDiff};
use crate::evidence::{self, Evidence};
use crate::finding::Code;
use crate::lockfile;
use crate::platform::Machine;
use crate::policy::{self, Policy};
use crate::registry::cache::Cache;
use crate::registry::client::{Client, ClientOptions};
use crate::registry::fetch::{Fetcher, PackageKey, PackageOutcome};
use crate::registry::npmrc::NpmConfig;
use crate::registry::tarballs::TarballKey;
use crate::report::{self, Audited, DiffBase, Format, LockfileDiffSummary, RenderOptions, Report};
use crate::sigstore::trust_root::TrustedRoot;
use crate::store::Store;
use crate::tarball::Limits;
use crate::trust::Level;

/// Exit code: nothing fails the policy.
pub const EXIT_PASS: u8 = 0;
/// Exit code: a finding fails the policy.
pub const EXIT_FAIL: u8 = 1;

/// Runs the command line; returns the process exit code. Errors (exit 2)
/// are returned for `main` to print.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Some(Command::Audit(args)) => audit(args),
        Some(Command::Explain(args)) => explain(&args),
        Some(Command::Cache(args)) => cache_command(&args),
        Some(Command::VerifyBundle(args)) => crate::verify_bundle::run(&args),
        Some(Command::Install(args)) => crate::install::run(args),
        None => audit(cli.audit),
    }
}

fn explain(args: &ExplainArgs) -> Result<u8> {
    let text = match &args.code {
        Some(name) => match Code::from_name(name) {
            Some(code) => code.doc().to_string(),
            None => bail!("unknown finding code {name:?}; `lockproof explain --list` lists them"),
        },
        None => Code::ALL
            .iter()
            .map(|c| {
                format!(
                    "{:<24} {:<9} {}\n",
                    c.as_str(),
                    c.default_severity(),
                    c.description()
                )
            })
            .collect(),
    };
    write_stdout(&text)?;
    Ok(EXIT_PASS)
}

/// `./package-lock.json` reads better as `package-lock.json`.
fn tidy(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

fn audit(args: AuditArgs) -> Result<u8> {
    let done = audit_report(&args)?;
    render(&done.report, &args)?;
    Ok(if done.report.passed {
        EXIT_PASS
    } else {
        EXIT_FAIL
    })
}

/// A finished audit: the report, and each lockfile's verified tarballs
/// (`--tarballs`) for `install` to hand to npm.
pub(crate) struct Done {
    /// The report.
    pub report: Report,
    /// Per lockfile: its path and its verified tarballs.
    pub verified: Vec<(PathBuf, Vec<crate::artifact::Verified>)>,
}

/// Runs the audit `args` ask for, without rendering it.
pub(crate) fn audit_report(args: &AuditArgs) -> Result<Done> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let base = args.base.as_deref().map(Base::parse).transpose()?;
    let explicit = args.config.as_deref().map(config::load).transpose()?;
    let cache = cache_dir(args.cache_dir.as_deref()).map(|d| Cache::new(&d));
    let root = trusted_root(args.trusted_root.as_deref())?;
    let today = Date::today();
    let mut notes = Vec::new();
    let mut files: Vec<PathBuf> = Vec::with_capacity(paths.len());
    for path in &paths {
        let file = lockfile::locate(path)?;
        let shadow = lockfile::shadowing_shrinkwrap(&file);
        files.push(file);
        if let Some(shrinkwrap) = shadow {
            notes.push(format!(
                "npm installs from {}, not from {}: both were audited",
                tidy(&shrinkwrap).display(),
                tidy(files.last().map_or(path, |f| f)).display()
            ));
            files.push(shrinkwrap);
        }
    }
    // Order-preserving: pre-commit passes `npm-shrinkwrap.json` before the
    // `package-lock.json` that adds it again as its shadow.
    let mut seen = BTreeSet::new();
    files.retain(|f| seen.insert(f.clone()));
    if let (Some(Base::File(base)), 2..) = (&base, files.len()) {
        return Err(diff::DiffError::FileForSeveral {
            path: base.clone(),
            count: files.len(),
        }
        .into());
    }
    let mut audited = Vec::with_capacity(files.len());
    let mut diffs = Vec::new();
    let mut verified = Vec::new();
    for path in &files {
        let (mut lockfile, diff) = match &base {
            None => (lockfile::load(path)?, None),
            Some(base) => {
                let (lockfile, diff) = load_with_base(&tidy(path), base)?;
                (lockfile, Some(diff))
            }
        };
        lockfile.path = tidy(&lockfile.path);
        // The revision is not repeated here: the diff line already shows
        // the base, escaped for each format.
        if diff.as_ref().is_some_and(|d| !d.base_found) {
            notes.push(format!(
                "{} does not exist at the base revision: every entry is new",
                lockfile.path.display()
            ));
        }
        let config = match &explicit {
            Some(c) => c.clone(),
            None => match config::find_beside(&lockfile.path) {
                Some(p) => config::load(&p)?,
                None => Config::default(),
            },
        };
        let ctx = Context {
            allowed_hosts: config.allowed_hosts.clone().unwrap_or_else(|| {
                DEFAULT_ALLOWED_HOSTS
                    .iter()
                    .map(|h| h.to_string())
                    .collect()
            }),
            trust: config.trust.clone(),
            now: jiff::Timestamp::now(),
        };
        let mut diff = diff;
        let evidence = registry_evidence(&lockfile, args, cache.as_ref(), &root, diff.as_mut())?;
        let mut findings = checks::run(&lockfile, &ctx, Some(&evidence));
        if let Some(d) = &diff {
            findings.extend(d.findings(&lockfile));
        }
        let policy = Policy::new(&config, args.fail_on, today);
        let mut outcome = policy::apply(&policy, findings);
        if let Some(d) = diff {
            // Policy judges every finding first, so ignores of findings on
            // unchanged entries still count as used; then only findings
            // about what changed are reported and decide the exit code.
            let (shown, unchanged): (Vec<_>, Vec<_>) = outcome
                .findings
                .into_iter()
                .partition(|j| d.covers(&j.finding));
            outcome.findings = shown;
            // Registry evidence was fetched for changed entries only, so an
            // ignore of a registry finding on an unchanged entry matches
            // nothing here without being stale: only a full audit can tell.
            outcome.notes.retain(|n| n.kind != "unused-ignore");
            diffs.push(LockfileDiffSummary {
                base: d.base,
                base_found: d.base_found,
                changes: d.changes,
                unchanged: unchanged.len(),
            });
        }
        let tarballs = args
            .tarballs
            .then(|| crate::artifact::TarballCounts::of(&evidence.tarballs));
        verified.push((
            lockfile.path.clone(),
            crate::artifact::verified(&lockfile, &evidence.tarballs),
        ));
        audited.push(Audited {
            tarballs,
            tarballs_skipped: crate::artifact::skipped(&lockfile, &evidence.tarballs),
            evidence: evidence.summary(&lockfile),
            provenance: evidence.verified_provenance(&lockfile),
            trust: evidence.trust_levels(&lockfile),
            evidence_notes: evidence.notes,
            lockfile,
            config: config.path.as_ref().map(|p| p.display().to_string()),
            fail_on: policy.fail_on,
            outcome,
        });
    }
    if base.is_some() {
        notes.push(
            "diff mode: registry evidence was looked up for added or changed entries only; the \
             evidence counts cover those entries, and unchanged entries had the lockfile checks \
             only"
                .to_string(),
        );
    }
    let mut report = Report::build(audited, args.offline, notes);
    if let Some(base) = &base {
        let diff_base = DiffBase {
            base: base.label(),
            kind: base.kind(),
        };
        report = report.with_diff(diff_base, diffs);
    }
    Ok(Done { report, verified })
}

/// Writes `report` where `args` say, in their format.
pub(crate) fn render(report: &Report, args: &AuditArgs) -> Result<()> {
    let format = args.format.unwrap_or(Format::Table);
    let color = format == Format::Table
        && args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let rendered = report::render(report, format, RenderOptions { color });
    match &args.output {
        Some(file) => std::fs::write(file, rendered)
            .with_context(|| format!("{}: cannot write the report", file.display()))?,
        None if !args.quiet => write_stdout(&rendered)?,
        None => {}
    }
    report::outputs::write_all(report, &args.write)?;
    Ok(())
}

/// Reads the lockfile at `path` and compares it with its base.
fn load_with_base(path: &Path, base: &Base) -> Result<(lockfile::Lockfile, LockfileDiff)> {
    let bytes = std::fs::read(path).map_err(|source| lockfile::LockfileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let lockfile = lockfile::parse_bytes(path, &bytes)?;
    let diff = diff::against(base, path, &lockfile, &bytes)?;
    Ok((lockfile, diff))
}

/// Fetches (or, offline, reads from the cache) what the registry says about
/// `lockfile`'s registry entries, and turns it into evidence. In diff mode
/// (`only`), for the added or changed entries alone: a pull request that
/// bumps one package asks the registry about that package, not about the
/// whole tree. The base versions of version bumps are fetched too, to mark
/// the changes whose trust fields differ (`trust-change`).
fn registry_evidence(
    lockfile: &lockfile::Lockfile,
    args: &AuditArgs,
    cache: Option<&Cache>,
    root: &TrustedRoot,
    mut only: Option<&mut LockfileDiff>,
) -> Result<Evidence> {
    let project = lockfile.path.parent().filter(|p| !p.as_os_str().is_empty());
    let npm = NpmConfig::from_process_env(
        Some(project.unwrap_or(Path::new("."))),
        args.registry.as_deref(),
    )?;
    let per_entry: Vec<Option<(PackageKey, String)>> = lockfile
        .entries
        .iter()
        .map(|entry| {
            if only.as_ref().is_some_and(|d| !d.is_changed(&entry.path)) {
                return None;
            }
            evidence::package_key(entry, &npm)
        })
        .collect();
    let mut wanted: BTreeMap<PackageKey, BTreeSet<String>> = BTreeMap::new();
    for (key, version) in per_entry.iter().flatten() {
        wanted
            .entry(key.clone())
            .or_default()
            .insert(version.clone());
    }
    let bumped = only
        .as_ref()
        .map(|d| base_versions(d, lockfile, &per_entry));
    for (key, version) in bumped.iter().flatten().map(|(_, k, v)| (k, v)) {
        wanted
            .entry((*key).clone())
            .or_default()
            .insert(version.clone());
    }
    let client = if args.offline {
        None
    } else {
        let opts = ClientOptions {
            timeout: Duration::from_secs(args.timeout),
            retries: args.retries,
            max_body: args.max_response_bytes,
            connections: usize::from(args.jobs),
            ..ClientOptions::default()
        };
        Some(Client::new(npm.clone(), opts)?)
    };
    let progress = (client.is_some() && !args.quiet && std::io::stderr().is_terminal())
        .then(|| progress_bar(wanted.len()));
    let fetcher = Fetcher {
        client: client.as_ref(),
        cache,
        jobs: usize::from(args.jobs),
        progress: progress.clone(),
    };
    let packages = fetcher.packages(&wanted);
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if let (Some(diff), Some(bumped)) = (only.as_deref_mut(), bumped) {
        mark_trust_changes(diff, &bumped, &packages);
    }
    let registries: BTreeSet<&url::Url> = wanted.keys().map(|k| &k.registry).collect();
    let keys = registries
        .into_iter()
        .map(|r| (r.clone(), fetcher.keys(r)))
        .collect();
    let mut evidence = evidence::gather(lockfile, &per_entry, &packages, &keys);
    let attestations = evidence::attestations_wanted(lockfile, &evidence);
    if !attestations.is_empty() {
        let fetched = fetcher.attestations(&attestations);
        evidence::add_provenance(lockfile, &mut evidence, &fetched, &keys, root);
    }
    let previous = evidence::previous::wanted(lockfile, &evidence);
    if !previous.is_empty() {
        let fetched = fetcher.attestations(&previous);
        evidence::previous::add(lockfile, &mut evidence, &fetched, &keys, root);
    }
    if args.tarballs {
        let Some(dir) = cache_dir(args.cache_dir.as_deref()) else {
            bail!("--tarballs needs a folder for the tarball store: set --cache-dir or HOME");
        };
        let machine = (!args.all_platforms).then(Machine::current);
        let mut plan = artifact::plan(lockfile, &evidence, &npm, machine.as_ref());
        if let Some(d) = &only {
            for (entry, planned) in lockfile.entries.iter().zip(plan.iter_mut()) {
                if !d.is_changed(&entry.path) {
                    *planned = None;
                }
            }
        }
        let wanted: Vec<TarballKey> = plan
            .iter()
            .flatten()
            .flatten()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let bar = (client.is_some() && !args.quiet && std::io::stderr().is_terminal())
            .then(|| download_bar(wanted.len()));
        let fetcher = Fetcher {
            progress: bar.clone(),
            ..fetcher
        };
        let on_bytes = |total: u64| {
            if let Some(bar) = &bar {
                bar.set_message(format!("{:.1} MB", total as f64 / 1e6));
            }
        };
        let limits = Limits {
            max_decompressed_bytes: args.max_unpacked_bytes,
            ..Limits::default()
        };
        let inspect = |path: &Path| artifact::inspect_file(path, &limits);
        let outcomes = fetcher.tarballs(&Store::new(&dir), &wanted, &on_bytes, &inspect);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        evidence.tarballs = artifact::gather(&plan, &outcomes);
    }
    Ok(evidence)
}

/// For each change with a base version of the same package: the change's
/// index, the package and the base version.
fn base_versions<'a>(
    diff: &LockfileDiff,
    lockfile: &lockfile::Lockfile,
    per_entry: &'a [Option<(PackageKey, String)>],
) -> Vec<(usize, &'a PackageKey, String)> {
    let index: HashMap<&str, usize> = lockfile
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.path.as_str(), i))
        .collect();
    diff.changes
        .iter()
        .enumerate()
        .filter_map(|(c, change)| {
            let base = change.base_version.clone()?;
            let (key, _) = per_entry.get(*index.get(change.path.as_str())?)?.as_ref()?;
            Some((c, key, base))
        })
        .collect()
}

/// Marks `trust-change` on version bumps whose version documents claim
/// another trust level than the base version's. Field-level on both sides,
/// so the two are compared alike; what was verified is judged by the
/// trust checks.
fn mark_trust_changes(
    diff: &mut LockfileDiff,
    bumped: &[(usize, &PackageKey, String)],
    packages: &BTreeMap<PackageKey, PackageOutcome>,
) {
    for (c, key, base) in bumped {
        let Some(PackageOutcome::Record(record)) = packages.get(key) else {
            continue;
        };
        let Some(change) = diff.changes.get_mut(*c) else {
            continue;
        };
        let claimed = |v: &str| {
            record
                .versions
                .get(v)
                .map(|r| Level::claimed(&r.trust_fields()))
        };
        if let (Some(before), Some(now)) =
            (claimed(base), change.version.as_deref().and_then(claimed))
            && before != now
        {
            change.add(
                ChangeKind::TrustChange,
                Some(format!(
                    "trust fields {} → {} (claimed by the version documents)",
                    before.as_str(),
                    now.as_str()
                )),
            );
        }
    }
}

/// The Sigstore trusted root: `--trusted-root`, else the embedded one.
pub(crate) fn trusted_root(path: Option<&Path>) -> Result<TrustedRoot> {
    match path {
        Some(path) => {
            let body =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            TrustedRoot::from_json(&body, jiff::Timestamp::now())
                .with_context(|| format!("{}: unusable trusted root", path.display()))
        }
        None => TrustedRoot::public_good().context("embedded trusted root"),
    }
}

/// A progress bar on standard error: packages fetched, total, rate.
fn progress_bar(total: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(u64::try_from(total).unwrap_or(u64::MAX)),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} registry {pos}/{len} packages [{bar:30}] {per_sec} {elapsed}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A progress bar on standard error for downloads: tarballs, bytes, rate.
fn download_bar(total: usize) -> indicatif::ProgressBar {
    let bar = progress_bar(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} tarballs {pos}/{len} [{bar:30}] {msg} {per_sec} {elapsed}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// `--cache-dir`, else the platform's cache folder.
pub(crate) fn cache_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit.map(Path::to_path_buf).or_else(Cache::default_dir)
}

fn cache_command(args: &CacheArgs) -> Result<u8> {
    let Some(dir) = cache_dir(args.cache_dir.as_deref()) else {
        bail!("no cache folder: set --cache-dir or HOME");
    };
    let cache = Cache::new(&dir);
    match args.action {
        CacheAction::Info => {
            let info = cache.info();
            write_stdout(&format!(
                "cache: {}
files: {}
bytes: {}
",
                cache.root().display(),
                info.files,
                info.bytes
            ))?;
        }
        CacheAction::Clean => {
            cache
                .clean()
                .with_context(|| format!("{}: cannot delete the cache", cache.root().display()))?;
            write_stdout(&format!("removed {}\n", cache.root().display()))?;
        }
    }
    Ok(EXIT_PASS)
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
pub(crate) fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}
