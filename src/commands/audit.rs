//! `lockproof audit` (and bare `lockproof`): audit each lockfile with
//! evidence from its registry, build one report, write it in the formats
//! asked for, and exit with the verdict.

use std::error::Error as _;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use anyhow::{Context as _, Result};
use rayon::ThreadPoolBuildError;

use std::sync::Arc;

use super::projects::Project;
use super::settings::{AuditSettings, Output, advisory_http};
use super::{ExitStatus, write_stdout};
use crate::advisories;
use crate::anchors;
use crate::audit::{Options, Subject, audit};
use crate::cli::AuditArgs;
use crate::diff::{self, Base, LockfileDiff};
use crate::evidence::collect::Tarballs;
use crate::evidence::tarball::VerifiedTarball;
use crate::fetch::RegistrySource;
use crate::lockfile::bytes::Bytes;
use crate::lockfile::{self, Lockfile, LockfileError};
use crate::platform::Machine;
use crate::report::{self, DiffBase, Format, RenderOptions, Report};

/// Runs the command.
pub(super) fn run(args: &AuditArgs) -> Result<ExitStatus> {
    let settings = AuditSettings::resolve(args)?;
    let done = audit_all(&settings)?;
    render(&done.report, &settings.output)?;
    let status = ExitStatus::of_verdict(done.report.passed);
    // The process exits next, which hands all of its memory back at once:
    // freeing the report's many small allocations one by one first took
    // about 50 µs, under 1 % of an offline audit of a large lockfile.
    std::mem::forget(done);
    Ok(status)
}

/// A finished audit: the report, and each lockfile's verified tarballs
/// for `install` to hand to npm.
pub(super) struct Done {
    /// The report.
    pub report: Report,
    /// Per lockfile: its path and its verified tarballs.
    pub verified: Vec<(PathBuf, Vec<VerifiedTarball>)>,
}

/// Runs `work` on a thread of its own with a small stack, or says there is
/// no thread to be had (a process limit). Its own stack size:
/// `RUST_MIN_STACK` sizes the pool's threads, and this work (starting the
/// pool, reading a file) recurses nowhere.
fn spawn_light<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<JoinHandle<T>> {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(work)
        .ok()
}

/// The thread pool that entries, evidence and checks are spread over,
/// started on a thread of its own: its threads start while this one loads
/// the anchors and reads the lockfile, instead of when the first entries
/// are built (about 2 % of an offline audit of a large lockfile).
struct PoolStart(Option<JoinHandle<Result<(), ThreadPoolBuildError>>>);

impl PoolStart {
    fn begin() -> Self {
        // Without a thread to start it on, the pool starts where it is
        // first used, as it would anyway.
        Self(spawn_light(|| {
            rayon::ThreadPoolBuilder::new().build_global()
        }))
    }

    /// Waits for the pool, before the first lockfile is parsed. A pool that
    /// could not start is an error naming why (rayon's own panic at first
    /// use would only say the pool was already initialized); one that was
    /// already running is fine.
    fn ready(&mut self) -> Result<()> {
        if let Some(Ok(Err(e))) = self.0.take().map(JoinHandle::join)
            && e.source().is_some()
        {
            anyhow::bail!("cannot start the thread pool: {e}");
        }
        Ok(())
    }
}

/// The first lockfile's bytes, read on a thread of their own while this
/// one loads the anchors and opens the advisory database: reading a large
/// lockfile (into fresh memory) is about a tenth of an offline audit.
struct Prefetch(Option<(PathBuf, JoinHandle<Result<Bytes, LockfileError>>)>);

impl Prefetch {
    fn begin(first: Option<&Project>) -> Self {
        Self(first.and_then(|project| {
            let path = project.lockfile.clone();
            let reading = path.clone();
            spawn_light(move || lockfile::bytes::read(&reading)).map(|thread| (path, thread))
        }))
    }

    /// The bytes of `path`: those read ahead if they are its, else read
    /// here (as they are if the thread could not start or did not finish).
    fn take(&mut self, path: &Path) -> Result<Bytes, LockfileError> {
        match self.0.take() {
            Some((read, thread)) if read == path => thread
                .join()
                .unwrap_or_else(|_| lockfile::bytes::read(path)),
            _ => lockfile::bytes::read(path),
        }
    }
}

/// Audits every lockfile of `settings` into one report.
pub(super) fn audit_all(settings: &AuditSettings) -> Result<Done> {
    let mut pool = PoolStart::begin();
    let mut prefetch = Prefetch::begin(settings.projects.first());
    let anchors = anchors::load(&settings.anchors);
    let http = advisory_http(
        settings.fetch.client.timeout,
        settings.fetch.client.retries,
        &settings.proxies,
    );
    let database = advisories::source::open(&settings.advisories, Arc::new(http), &mut |_| {});
    let advisory_info = database.info();
    let machine = Machine::current();
    let options = Options {
        tarballs: if settings.tarballs {
            Tarballs::Verify {
                machine: (!settings.all_platforms).then_some(&machine),
            }
        } else {
            Tarballs::Skip
        },
        anchors: &anchors,
        advisory_database: &advisory_info,
        fail_on: settings.fail_on,
        now: settings.now,
    };
    // Every verdict rests on the anchors: every report says which.
    let mut notes = vec![
        anchors.describe(),
        format!("advisories: {}", advisory_info.line(settings.now)),
    ];
    notes.extend(settings.notes.iter().cloned());
    let mut audited = Vec::with_capacity(settings.projects.len());
    let mut verified = Vec::with_capacity(settings.projects.len());
    for project in &settings.projects {
        // The bytes go once read: held through the audit, they would add
        // the file's size to its peak memory.
        let (lockfile, diff) = {
            let bytes = prefetch.take(&project.lockfile)?;
            load(project, &bytes, settings.base.as_ref(), &mut pool)?
        };
        // The revision is not repeated here: the diff line already shows
        // the base, escaped for each format.
        if diff.as_ref().is_some_and(|d| !d.base_found) {
            notes.push(format!(
                "{} does not exist at the base revision: every entry is new",
                lockfile.path.display()
            ));
        }
        let source = RegistrySource::new(&settings.fetch, &project.npm, &database)?;
        let subject = Subject {
            lockfile,
            diff,
            config: &project.config,
            npm: &project.npm,
            installer: project.installer.as_ref(),
            ignored_shrinkwrap: project.ignored_shrinkwrap.as_ref(),
        };
        let outcome = audit(subject, &options, &source);
        verified.push((project.lockfile.clone(), outcome.verified));
        audited.push(outcome.audited);
    }
    if settings.base.is_some() {
        notes.push(
            "diff mode: registry evidence was looked up for added or changed entries only; the \
             evidence counts cover those entries, and unchanged entries had the lockfile checks \
             only"
                .to_string(),
        );
    }
    let diff = settings.base.as_ref().map(|base| DiffBase {
        base: base.label(),
        kind: base.kind(),
    });
    let report = Report::build(audited, settings.fetch.offline, notes, diff);
    Ok(Done { report, verified })
}

/// Reads the project's lockfile and, in diff mode, compares it with its
/// base.
fn load(
    project: &Project,
    bytes: &[u8],
    base: Option<&Base>,
    pool: &mut PoolStart,
) -> Result<(Lockfile, Option<LockfileDiff>)> {
    let path = &project.lockfile;
    pool.ready()?;
    let lockfile = lockfile::parse_as(project.manager, path, bytes)?;
    let Some(base) = base else {
        return Ok((lockfile, None));
    };
    let diff = diff::against(base, path, &lockfile, bytes)?;
    Ok((lockfile, Some(diff)))
}

/// Writes `report` where `output` says, in its formats.
pub(super) fn render(report: &Report, output: &Output) -> Result<()> {
    let opts = RenderOptions {
        color: output.color,
        verbose: output.verbose,
        width: output.width,
        working_folder: output.working_folder.clone(),
    };
    match &output.file {
        Some(file) => write(file, report, output.format, opts.clone())?,
        None if !output.quiet => {
            write_stdout(&report::render(report, output.format, opts.clone()))?;
        }
        None => {}
    }
    // Every extra format comes from the same audit: running lockproof once
    // per format would ask the registry again and could disagree with
    // itself.
    for extra in &output.extra {
        write(
            &extra.path,
            report,
            extra.format,
            RenderOptions {
                color: false,
                width: output.file_width,
                ..opts.clone()
            },
        )?;
    }
    Ok(())
}

/// Writes `report` in `format` to the file at `path`, created or emptied.
fn write(path: &Path, report: &Report, format: Format, opts: RenderOptions) -> Result<()> {
    // Unbuffered: the JSON report is handed over in 64 KiB pieces by its
    // writer, and every other format in one piece.
    let write = || -> io::Result<()> {
        let mut out = File::create(path)?;
        report::write(report, format, opts, &mut out)
    };
    write().with_context(|| format!("{}: cannot write the report", path.display()))
}
