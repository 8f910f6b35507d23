//! The report: the finished result of an audit, and its renderers.
//!
//! [`Report`] is the domain result, serialized as-is for `--format json`
//! (`docs/report-schema.md`); the other renderers read it and never call
//! back into checks. Everything in it is sorted, so output is stable.

pub mod escape;
mod file_uri;
mod github;
mod groups;
mod markdown;
mod paths;
mod pretty_json;
mod sarif;
mod table;
mod wrap;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::advisories::evidence::{SourceKind as AdvisorySource, Summary as AdvisorySummary};
use crate::diff::{BaseKind, Change};
use crate::evidence::summary::{
    EntryTrust, EvidenceSummary, StateCounts, TrustCounts, VerifiedProvenance,
};
use crate::evidence::tarball::{SkippedTarball, TarballCounts};
use crate::finding::{Code, Severity};
use crate::installer::Installer;
use crate::installer::which::NpmRules;
use crate::lockfile::{Gap, Lockfile, LockfileFormat, PackageManager, SourceKind};
use crate::policy::{IgnoredFinding, Judged, Outcome, PolicyNote};

/// How many changes of one lockfile the table and Markdown list (a
/// regenerated lockfile changes every entry; a pull request comment has a
/// size limit).
pub const LISTED_CHANGES: usize = 100;

/// Version of the JSON report layout; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
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

/// The width of a table that goes nowhere else: not to a terminal, and
/// no `COLUMNS`.
pub const DEFAULT_WIDTH: usize = 100;

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Use ANSI colour (table only).
    pub color: bool,
    /// List every finding on its own row (table, Markdown) and annotate
    /// each (github), instead of grouping a code's many findings.
    pub verbose: bool,
    /// Columns the table fits in (the verbose table only with colour).
    pub width: usize,
    /// The working folder, absolute: lockfile paths are shown relative to
    /// it (not by the verbose table), and SARIF locates lockfiles inside
    /// it relative to it (`%SRCROOT%`); `None`: paths as named.
    pub working_folder: Option<PathBuf>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            color: false,
            verbose: false,
            width: DEFAULT_WIDTH,
            working_folder: None,
        }
    }
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format, opts: RenderOptions) -> String {
    match format {
        Format::Table => table::render(report, &opts),
        Format::Json => {
            let mut out = Vec::new();
            match json(report, &mut out) {
                // serde_json writes UTF-8; the conversion cannot fail.
                Ok(()) => String::from_utf8(out)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                Err(e) => format!("{{\"error\": {}}}\n", serde_json::json!(e.to_string())),
            }
        }
        Format::Sarif => sarif::render(report, opts.working_folder.as_deref()),
        Format::Markdown => markdown::render(report, &opts),
        Format::Github => github::render(report, &opts),
    }
}

/// Writes `report` in `format` to `out`. JSON is serialized straight into
/// it: a large lockfile's report is a megabyte, which would otherwise be
/// built, grown and copied before a byte is written. It reaches `out` in
/// 64 KiB pieces (`pretty_json` buffers on its own); the other formats in
/// one piece.
pub fn write(
    report: &Report,
    format: Format,
    opts: RenderOptions,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Json => json(report, out),
        _ => out.write_all(render(report, format, opts).as_bytes()),
    }
}

/// The JSON report: the serialized [`Report`], pretty-printed, one line
/// break at the end.
fn json(report: &Report, out: &mut impl Write) -> io::Result<()> {
    pretty_json::to_writer(out, report)?;
    out.write_all(b"\n")
}

/// A group of checks a run can include.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckGroup {
    /// The lockfile's own fields (no network).
    Lockfile,
    /// The registry's version documents.
    Registry,
    /// Registry signatures.
    Signatures,
    /// Provenance attestations.
    Provenance,
    /// The trust ladder.
    Trust,
    /// Downloaded tarball bytes.
    Tarballs,
}

/// The tool that wrote the report.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// `lockproof`.
    pub name: &'static str,
    /// Its version.
    pub version: &'static str,
}

/// Counts per severity, most severe first.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SeverityCounts {
    /// Critical.
    pub critical: usize,
    /// High.
    pub high: usize,
    /// Medium.
    pub medium: usize,
    /// Low.
    pub low: usize,
    /// Info.
    pub info: usize,
}

impl SeverityCounts {
    fn add(&mut self, s: Severity) {
        *self.slot(s) += 1;
    }

    fn slot(&mut self, s: Severity) -> &mut usize {
        match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }

    /// `(severity, count)` pairs with a non-zero count, most severe first.
    pub fn nonzero(&self) -> Vec<(Severity, usize)> {
        let mut c = self.clone();
        Severity::ALL
            .into_iter()
            .map(|s| (s, *c.slot(s)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// Entries lockproof cannot check on their own, with why.
#[derive(Debug, Clone, Serialize)]
pub struct Unverifiable {
    /// Their source kind.
    pub kind: SourceKind,
    /// How many.
    pub count: usize,
    /// Why they cannot be checked independently.
    pub reason: &'static str,
    /// Their install paths.
    pub paths: Vec<String>,
}

/// What was read from one lockfile.
#[derive(Debug, Clone, Serialize)]
pub struct LockfileSummary {
    /// The file, as the user named it.
    pub path: String,
    /// Its format: npm's `lockfileVersion` (`v3`, `unversioned`), or the
    /// package manager's format (`pnpm-9.0`, `yarn-v1`, `yarn-berry-v8`,
    /// `bun-v1`).
    pub lockfile_version: LockfileFormat,
    /// The package manager that installs from it.
    pub package_manager: PackageManager,
    /// What the format does not record, and so which checks could not
    /// apply to its entries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<FormatGap>,
    /// The config applied, if any.
    pub config: Option<String>,
    /// The severity that fails the run for this file.
    pub fail_on: Severity,
    /// Entries read (the project root excluded).
    pub entries: usize,
    /// Entries per source kind.
    pub by_source: BTreeMap<SourceKind, usize>,
    /// Entries not independently verifiable, per kind.
    pub unverifiable: Vec<Unverifiable>,
    /// Evidence states of its registry entries.
    pub evidence: EvidenceSummary,
    /// What the advisory database said of its registry entries.
    pub advisories: AdvisorySummary,
    /// Entries whose provenance verified: where and how each was built.
    pub provenance: Vec<VerifiedProvenance>,
    /// Every registry entry's trust level.
    pub trust: Vec<EntryTrust>,
    /// `--tarballs` only: what verifying the downloaded tarballs found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tarballs: Option<TarballCounts>,
    /// `--tarballs` only: the entries whose tarballs were skipped, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tarballs_skipped: Vec<SkippedTarball>,
    /// Diff mode (`--base`) only: the base and what changed.
    #[serde(flatten)]
    pub diff: Option<LockfileDiffSummary>,
    /// npm lockfiles: whose rules judged install scripts, sources and
    /// which file installs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installer: Option<InstallerSummary>,
}

/// The npm whose rules judged a lockfile.
#[derive(Debug, Clone, Serialize)]
pub struct InstallerSummary {
    /// The rules: major, version as stated, where that came from.
    #[serde(flatten)]
    pub rules: NpmRules,
    /// The same in words.
    pub description: String,
    /// What the project's `package.json` held that npm ignores.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
}

impl InstallerSummary {
    /// The summary of `installer`.
    pub fn of(installer: &Installer) -> Self {
        Self {
            rules: installer.rules.clone(),
            description: installer.rules.to_string(),
            ignored: installer.ignored.clone(),
        }
    }
}

/// Something a lockfile's format does not record, and why it matters.
#[derive(Debug, Clone, Serialize)]
pub struct FormatGap {
    /// What is missing.
    pub gap: Gap,
    /// Which checks cannot apply, in words.
    pub reason: &'static str,
}

/// One lockfile compared with its base (`--base`).
#[derive(Debug, Clone, Serialize)]
pub struct LockfileDiffSummary {
    /// What was read as the base: the base file, or `REV:path/in/repo`.
    pub base: String,
    /// Whether the lockfile existed in the base (if not, every entry is new).
    pub base_found: bool,
    /// Entries added or changed, sorted by path.
    pub changes: Vec<Change>,
    /// Findings left out because their entries did not change.
    pub unchanged: usize,
}

/// The base of a diff audit, as the user named it.
#[derive(Debug, Clone, Serialize)]
pub struct DiffBase {
    /// `--base` as given.
    pub base: String,
    /// A file or a git revision.
    pub kind: BaseKind,
}

/// Diff-mode totals.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct DiffTotals {
    /// Entries added or changed.
    pub changed: usize,
    /// Findings left out because their entries did not change.
    pub unchanged: usize,
}

/// Totals over every lockfile.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Lockfiles audited.
    pub lockfiles: usize,
    /// Entries read.
    pub entries: usize,
    /// Entries per source kind.
    pub by_source: BTreeMap<SourceKind, usize>,
    /// Entries not independently verifiable.
    pub unverifiable: usize,
    /// Reported findings per severity.
    pub findings: SeverityCounts,
    /// Reported findings that fail the run.
    pub failing: usize,
    /// Findings removed by ignores.
    pub ignored: usize,
    /// Findings removed by `allow` levels.
    pub suppressed: usize,
    /// Evidence states over every registry entry.
    pub evidence: EvidenceTotals,
    /// `--tarballs` only: tarball verification over every lockfile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tarballs: Option<TarballCounts>,
    /// Advisories over every lockfile, and the database they came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisories: Option<AdvisorySummary>,
    /// Diff mode (`--base`) only: entries changed, findings left out.
    #[serde(flatten)]
    pub diff: Option<DiffTotals>,
}

/// Evidence states summed over lockfiles.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvidenceTotals {
    /// Registry version documents.
    pub registry: StateCounts,
    /// Registry signatures.
    pub signatures: StateCounts,
    /// Provenance attestations.
    pub provenance: StateCounts,
    /// Entries per verified trust level.
    pub trust: TrustCounts,
}

/// The result of an audit.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool.
    pub tool: Tool,
    /// Whether no finding fails the run.
    pub passed: bool,
    /// Which groups of checks ran.
    pub checks: Vec<CheckGroup>,
    /// Limits of this run a reader must know (what was not checked).
    pub notes: Vec<String>,
    /// Totals.
    pub summary: Summary,
    /// One per lockfile, in the order given.
    pub lockfiles: Vec<LockfileSummary>,
    /// Reported findings, most severe first.
    pub findings: Vec<Judged>,
    /// Findings removed by ignores, with reasons.
    pub ignored: Vec<IgnoredFinding>,
    /// Count per code of findings removed by `allow` levels.
    #[serde(serialize_with = "crate::finding::serialize_code_counts")]
    pub suppressed: BTreeMap<Code, usize>,
    /// Expired and unused ignores.
    pub policy_notes: Vec<PolicyNote>,
    /// Diff mode (`--base`) only: the base compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<DiffBase>,
}

/// One audited lockfile and what policy made of its findings.
pub struct Audited {
    /// What the advisory database said of its registry entries.
    pub advisories: AdvisorySummary,
    /// Evidence states of its entries.
    pub evidence: EvidenceSummary,
    /// Registry-wide facts about its evidence.
    pub evidence_notes: Vec<String>,
    /// npm lockfiles: whose rules judged them.
    pub installer: Option<InstallerSummary>,
    /// Its entries whose provenance verified.
    pub provenance: Vec<VerifiedProvenance>,
    /// Its registry entries' trust levels.
    pub trust: Vec<EntryTrust>,
    /// `--tarballs` only: what verifying its tarballs found.
    pub tarballs: Option<TarballCounts>,
    /// `--tarballs` only: its entries whose tarballs were skipped.
    pub tarballs_skipped: Vec<SkippedTarball>,
    /// The lockfile.
    pub lockfile: Lockfile,
    /// The config file applied, if any.
    pub config: Option<String>,
    /// The severity that fails the run.
    pub fail_on: Severity,
    /// Policy's verdict on its findings.
    pub outcome: Outcome,
    /// Diff mode: the base and what changed.
    pub diff: Option<LockfileDiffSummary>,
}

const NOT_CHECKED: &str = "no tarball was downloaded: the lockfile's integrity was compared with \
     the registry's, not with the bytes (--tarballs verifies the bytes)";

/// The changes of a lockfile that the table and Markdown list: the first
/// [`LISTED_CHANGES`] and every suspicious one, and how many more there are
/// (the JSON report has them all).
fn listed_changes(changes: &[Change]) -> (Vec<&Change>, usize) {
    let listed: Vec<&Change> = changes
        .iter()
        .enumerate()
        .filter(|(i, c)| *i < LISTED_CHANGES || c.suspicious)
        .map(|(_, c)| c)
        .collect();
    let rest = changes.len() - listed.len();
    (listed, rest)
}

fn unverifiable_reason(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Bundled => {
            "shipped inside its parent's tarball; covered only by the parent's integrity"
        }
        SourceKind::Link => "a symlink to a folder of the project; nothing is downloaded",
        SourceKind::Workspace => "a workspace folder of the project itself; nothing is downloaded",
        _ => "the project itself",
    }
}

impl LockfileSummary {
    /// The summary of one audited lockfile, and policy's verdict on its
    /// findings.
    fn of(a: Audited) -> (Self, Outcome) {
        let mut by_source = BTreeMap::new();
        let mut unverifiable: BTreeMap<SourceKind, Vec<String>> = BTreeMap::new();
        for e in &a.lockfile.entries {
            *by_source.entry(e.source).or_insert(0) += 1;
            if !e.source.independently_verifiable() {
                unverifiable
                    .entry(e.source)
                    .or_default()
                    .push(e.path.clone());
            }
        }
        let summary = Self {
            advisories: a.advisories,
            evidence: a.evidence,
            provenance: a.provenance,
            trust: a.trust,
            tarballs: a.tarballs,
            tarballs_skipped: a.tarballs_skipped,
            diff: a.diff,
            installer: a.installer,
            path: a.lockfile.path.display().to_string(),
            lockfile_version: a.lockfile.format,
            package_manager: a.lockfile.format.manager(),
            gaps: a
                .lockfile
                .format
                .gaps()
                .iter()
                .map(|&gap| FormatGap {
                    gap,
                    reason: gap.reason(),
                })
                .collect(),
            config: a.config,
            fail_on: a.fail_on,
            entries: a.lockfile.entries.len(),
            by_source,
            unverifiable: unverifiable
                .into_iter()
                .map(|(kind, paths)| Unverifiable {
                    kind,
                    count: paths.len(),
                    reason: unverifiable_reason(kind),
                    paths,
                })
                .collect(),
        };
        // A large lockfile takes a while to free (0.3 ms for 2,589
        // entries): the pool frees it while the report is written.
        let lockfile = a.lockfile;
        rayon::spawn(move || drop(lockfile));
        (summary, a.outcome)
    }
}

impl Summary {
    /// Adds one lockfile's counts.
    fn add(&mut self, l: &LockfileSummary) {
        self.lockfiles += 1;
        self.entries += l.entries;
        for (kind, n) in &l.by_source {
            *self.by_source.entry(*kind).or_insert(0) += n;
        }
        self.unverifiable += l.unverifiable.iter().map(|u| u.count).sum::<usize>();
        self.evidence.registry += l.evidence.registry;
        self.evidence.signatures += l.evidence.signatures;
        self.evidence.provenance += l.evidence.provenance;
        self.evidence.trust += l.evidence.trust;
        if let Some(t) = &l.tarballs {
            *self.tarballs.get_or_insert_default() += t.clone();
        }
        match &mut self.advisories {
            Some(total) => total.add_counts(&l.advisories),
            None => self.advisories = Some(l.advisories.clone()),
        }
        if let Some(d) = &l.diff {
            let totals = self.diff.get_or_insert_default();
            totals.changed += d.changes.len();
            totals.unchanged += d.unchanged;
        }
    }
}

/// Why a lockfile's advisory lookups were unknown, when a database was in
/// use (without one, the run's advisories note already says so): the most
/// frequent reasons first, at most three.
fn advisories_unknown(path: &std::path::Path, summary: &AdvisorySummary) -> Option<String> {
    if summary.unknown == 0 || summary.database.source == AdvisorySource::None {
        return None;
    }
    let mut reasons: Vec<(&String, &u64)> = summary.unknown_reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let shown: Vec<String> = reasons
        .iter()
        .take(3)
        .map(|(reason, n)| format!("{reason} ({n})"))
        .collect();
    let more = match reasons.len().saturating_sub(3) {
        0 => String::new(),
        n => format!("; {}", count(n, "other reason", "other reasons")),
    };
    Some(format!(
        "{}: advisories unknown for {}: {}{more}",
        path.display(),
        entries(usize::try_from(summary.unknown).unwrap_or(usize::MAX)),
        shown.join("; ")
    ))
}

impl Report {
    /// Builds the report from audited lockfiles; in diff mode, `diff`
    /// names the base every lockfile was compared with, and their findings
    /// are those about changed entries only
    /// ([`crate::diff::LockfileDiff::covers`]).
    pub fn build(
        audited: Vec<Audited>,
        offline: bool,
        mut notes: Vec<String>,
        diff: Option<DiffBase>,
    ) -> Self {
        let mut summary = Summary::default();
        let mut lockfiles = Vec::with_capacity(audited.len());
        let mut outcome = Outcome::default();
        for a in audited {
            for n in &a.evidence_notes {
                if !notes.contains(n) {
                    notes.push(n.clone());
                }
            }
            let unknown = a.evidence.registry.unknown;
            if unknown > 0 {
                let offline = if offline {
                    " (offline: only the cache was used)"
                } else {
                    ""
                };
                notes.push(format!(
                    "{}: registry evidence unknown for {}{offline}",
                    a.lockfile.path.display(),
                    entries(unknown),
                ));
            }
            if let Some(note) = advisories_unknown(&a.lockfile.path, &a.advisories) {
                notes.push(note);
            }
            if let Some(i) = &a.installer {
                let path = a.lockfile.path.display();
                notes.push(format!("{path}: judged by {}", i.description));
                notes.extend(i.ignored.iter().map(|n| format!("{path}: {n}")));
            }
            // npm's old formats have a finding of their own
            // (`lockfile-old-format`); the other formats' gaps are notes.
            let other_format = a.lockfile.format.manager() != PackageManager::Npm;
            for gap in a.lockfile.format.gaps().iter().filter(|_| other_format) {
                notes.push(format!(
                    "{} ({}): {}",
                    a.lockfile.path.display(),
                    a.lockfile.format,
                    gap.reason()
                ));
            }
            let (lockfile, judged) = LockfileSummary::of(a);
            summary.add(&lockfile);
            lockfiles.push(lockfile);
            outcome.findings.extend(judged.findings);
            outcome.ignored.extend(judged.ignored);
            for (code, n) in judged.suppressed {
                *outcome.suppressed.entry(code).or_insert(0) += n;
            }
            outcome.notes.extend(judged.notes);
        }
        let Outcome {
            mut findings,
            mut ignored,
            suppressed,
            notes: mut policy_notes,
        } = outcome;
        findings.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
        ignored.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
        policy_notes.sort();
        for f in &findings {
            summary.findings.add(f.finding.severity);
        }
        summary.failing = findings.iter().filter(|f| f.fails).count();
        summary.ignored = ignored.len();
        summary.suppressed = suppressed.values().sum();
        let mut checks = vec![
            CheckGroup::Lockfile,
            CheckGroup::Registry,
            CheckGroup::Signatures,
            CheckGroup::Provenance,
            CheckGroup::Trust,
        ];
        if summary.tarballs.is_some() {
            checks.push(CheckGroup::Tarballs);
        } else {
            notes.push(NOT_CHECKED.to_string());
        }
        Self {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "lockproof",
                version: env!("CARGO_PKG_VERSION"),
            },
            passed: summary.failing == 0,
            checks,
            notes,
            summary,
            lockfiles,
            findings,
            ignored,
            suppressed,
            policy_notes,
            diff,
        }
    }

    /// [`Report::headline`], followed in diff mode by [`Report::diff_line`];
    /// `shown` escapes the base for the output format.
    pub fn headline_with_diff(&self, shown: impl Fn(&str) -> String) -> String {
        match self.diff_line(shown) {
            Some(diff) => format!("{}; {diff}", self.headline()),
            None => self.headline(),
        }
    }

    /// In diff mode, what was compared and what was left out: `diff against
    /// BASE: N entries added or changed, M findings on unchanged entries not
    /// shown`; `shown` escapes the base for the output format.
    pub fn diff_line(&self, shown: impl Fn(&str) -> String) -> Option<String> {
        let (base, totals) = (self.diff.as_ref()?, self.summary.diff?);
        Some(format!(
            "diff against {}: {} added or changed, {} on unchanged entries not shown",
            shown(&base.base),
            count(totals.changed, "entry", "entries"),
            count(totals.unchanged, "finding", "findings"),
        ))
    }

    /// One line saying what the run found, for every format's headline.
    pub fn headline(&self) -> String {
        let s = &self.summary;
        let counts: Vec<String> = s
            .findings
            .nonzero()
            .iter()
            .map(|(sev, n)| format!("{n} {sev}"))
            .collect();
        let found = if counts.is_empty() {
            "no findings".to_string()
        } else {
            format!(
                "{} finding{} ({})",
                self.findings.len(),
                if self.findings.len() == 1 { "" } else { "s" },
                counts.join(", ")
            )
        };
        let verdict = if self.passed {
            "PASS".to_string()
        } else {
            format!("FAIL: {} failing the policy", s.failing)
        };
        let files = count(s.lockfiles, "lockfile", "lockfiles");
        format!("{verdict} - {found} in {files}, {}", entries(s.entries))
    }

    /// Evidence states, as `registry 104 present, 0 absent, 0 unknown;
    /// signatures …; provenance …`.
    pub fn evidence_line(&self) -> String {
        let e = &self.summary.evidence;
        let states = |c: &StateCounts| {
            format!(
                "{} present, {} absent, {} unknown",
                c.present, c.absent, c.unknown
            )
        };
        let t = &e.trust;
        let mut line = format!(
            "registry metadata {}; registry signatures {}; provenance {}; trust: {} staged, \
             {} trusted-publisher, {} provenance, {} signed, {} none, {} unknown",
            states(&e.registry),
            states(&e.signatures),
            states(&e.provenance),
            t.staged,
            t.trusted_publisher,
            t.provenance,
            t.signed,
            t.none,
            t.unknown
        );
        if let Some(a) = &self.summary.advisories {
            line.push_str(&format!(
                "; advisories {} present, {} absent, {} unknown",
                a.present, a.absent, a.unknown
            ));
        }
        line
    }

    /// `--tarballs` only: what verifying the tarballs found, in words.
    pub fn tarball_line(&self) -> Option<String> {
        let t = self.summary.tarballs.as_ref()?;
        let mut line = format!(
            "{} verified ({} downloaded, {} from the store; {:.1} MB), {} mismatched, {} failed",
            t.verified,
            t.downloaded,
            t.verified - t.downloaded,
            t.bytes as f64 / 1e6,
            t.mismatched,
            t.failed
        );
        for (skip, n) in &t.skipped {
            line.push_str(&format!("; {n} skipped: {}", skip.reason()));
        }
        Some(line)
    }

    /// Counts of findings removed by `allow` levels, by code name.
    pub fn suppressed_by_name(&self) -> Vec<(Code, usize)> {
        let mut list: Vec<(Code, usize)> = self.suppressed.iter().map(|(c, n)| (*c, *n)).collect();
        list.sort_unstable_by_key(|(c, _)| c.as_str());
        list
    }

    /// Entries per source kind, as `15 registry, 1 git`.
    pub fn source_line(&self) -> String {
        self.summary
            .by_source
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `n` things, in words: "1 entry", "2 entries".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `n` entries, in words.
pub(crate) fn entries(n: usize) -> String {
    count(n, "entry", "entries")
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_read_as_words() {
        assert_eq!(super::entries(1), "1 entry");
        assert_eq!(super::entries(0), "0 entries");
        assert_eq!(super::count(2, "lockfile", "lockfiles"), "2 lockfiles");
    }
}
