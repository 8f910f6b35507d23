//! GitHub Actions workflow commands: annotations on the lockfile lines;
//! when a kind (error, warning, notice) has more findings than GitHub shows
//! for a step ([`SHOWN_PER_STEP`]), at most [`PER_CODE_AND_FILE`] of them
//! per code and file, and first, for each file with more, one annotation
//! saying how many were left out and where to see them. Then one per
//! policy note on the config line, and the verdict. `--verbose` annotates
//! every finding.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

use super::escape::{workflow_message, workflow_property};
use super::groups::label;
use super::{RenderOptions, Report, paths};
use crate::finding::{Code, Finding, Severity};
use crate::policy::Judged;

/// How many annotations of each kind (error, warning, notice) GitHub
/// shows for a step; it drops the rest.
pub(super) const SHOWN_PER_STEP: usize = 10;

/// Annotations per code and file of a kind that has more findings than
/// [`SHOWN_PER_STEP`], unless `--verbose`.
pub(super) const PER_CODE_AND_FILE: usize = 3;

/// The workflow command of an annotation, least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Command {
    Notice,
    Warning,
    Error,
}

impl Command {
    /// Errors fail the policy; warnings are medium and above.
    fn of(f: &Judged) -> Self {
        if f.fails {
            Self::Error
        } else if f.finding.severity >= Severity::Medium {
            Self::Warning
        } else {
            Self::Notice
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// The findings of one file left without an annotation.
struct LeftOut<'a> {
    file: &'a str,
    /// The most severe command among them.
    command: Command,
    /// How many per code, in order of first appearance (worst first).
    codes: Vec<(Code, usize)>,
}

pub(super) fn render(report: &Report, opts: &RenderOptions) -> String {
    let base = opts.working_folder.as_deref();
    let mut annotated: HashMap<(&str, Code), usize> = HashMap::new();
    let mut left_out = LeftOutByFile::default();
    let mut annotations = String::new();
    // A kind that GitHub shows in full is never capped.
    let mut per_kind: HashMap<Command, usize> = HashMap::new();
    for f in &report.findings {
        *per_kind.entry(Command::of(f)).or_insert(0) += 1;
    }
    let capped =
        |c: Command| !opts.verbose && per_kind.get(&c).is_some_and(|n| *n > SHOWN_PER_STEP);
    for f in &report.findings {
        let file = f.finding.location.file.as_str();
        let n = annotated.entry((file, f.finding.code)).or_insert(0);
        if !capped(Command::of(f)) || *n < PER_CODE_AND_FILE {
            *n += 1;
            annotation(&mut annotations, f, base);
        } else {
            left_out.add(f);
        }
    }
    let mut out = String::new();
    // Before the annotations they stand for, so GitHub's per-step limit
    // never hides them.
    for l in &left_out.files {
        let total: usize = l.codes.iter().map(|(_, n)| n).sum();
        let codes: Vec<String> = l.codes.iter().map(|(c, n)| format!("{n} {c}")).collect();
        let _ = writeln!(
            out,
            "::{} file={},title={}::{}",
            l.command.as_str(),
            workflow_property(&paths::shown(l.file, base)),
            workflow_property(&format!("lockproof: {total} more findings")),
            workflow_message(&format!(
                "{total} more findings in this file are not annotated (GitHub shows \
                 {SHOWN_PER_STEP} of a kind per step; lockproof annotates \
                 {PER_CODE_AND_FILE} per code): {}. The job summary groups them; \
                 `lockproof audit --verbose --format github` annotates each and \
                 `--format json` lists them all.",
                codes.join(", ")
            ))
        );
    }
    out.push_str(&annotations);
    for n in &report.policy_notes {
        let file = n.file.as_deref().unwrap_or("lockproof.toml");
        let _ = writeln!(
            out,
            "::warning file={},line={},title=lockproof policy::{}",
            workflow_property(&paths::shown(file, base)),
            n.line,
            workflow_message(&n.message)
        );
    }
    let headline = report.headline_with_diff(|b| b.to_string());
    let _ = writeln!(out, "lockproof: {}", workflow_message(&headline));
    out
}

fn annotation(out: &mut String, f: &Judged, base: Option<&Path>) {
    let Finding {
        code,
        severity,
        message,
        location,
        ..
    } = &f.finding;
    let _ = writeln!(
        out,
        "::{} file={},line={},title={}::{} ({code}): {}",
        Command::of(f).as_str(),
        workflow_property(&paths::shown(&location.file, base)),
        location.line,
        workflow_property(&format!("lockproof {code} ({severity})")),
        workflow_message(&label(&f.finding)),
        workflow_message(message)
    );
}

/// Per file, the findings left without an annotation, files in order
/// of first appearance.
#[derive(Default)]
struct LeftOutByFile<'a> {
    index: HashMap<&'a str, usize>,
    files: Vec<LeftOut<'a>>,
}

impl<'a> LeftOutByFile<'a> {
    fn add(&mut self, f: &'a Judged) {
        let file = f.finding.location.file.as_str();
        let files = &mut self.files;
        let i = *self.index.entry(file).or_insert_with(|| {
            files.push(LeftOut {
                file,
                command: Command::Notice,
                codes: Vec::new(),
            });
            files.len() - 1
        });
        let Some(l) = files.get_mut(i) else {
            return;
        };
        l.command = l.command.max(Command::of(f));
        // Codes are a short fixed list: a linear search is enough.
        match l.codes.iter_mut().find(|(c, _)| *c == f.finding.code) {
            Some((_, n)) => *n += 1,
            None => l.codes.push((f.finding.code, 1)),
        }
    }
}
