//! `lockproof advisories`: download and index the OSV export (`update`:
//! one conditional request when it has not changed), or say which
//! database an audit would use (`show`).

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use jiff::Timestamp;

use super::settings::{advisory_http, advisory_settings, cache_dir, proxies};
use super::{ExitStatus, write_stdout};
use crate::advisories::evidence::DbInfo;
use crate::advisories::export::Limits;
use crate::advisories::source;
use crate::advisories::store::Store;
use crate::advisories::update::{self, Outcome, Progress};
use crate::cli::{AdvisoriesAction, AdvisoriesArgs};
use crate::report::escape;

/// Runs the command.
pub(super) fn run(args: &AdvisoriesArgs) -> Result<ExitStatus> {
    let Some(dir) = cache_dir(args.cache_dir.as_deref()) else {
        bail!("no cache folder for the advisory database: set --cache-dir or HOME");
    };
    let url = url::Url::parse(&args.osv_export_url)
        .with_context(|| format!("--osv-export-url {:?} is not a URL", args.osv_export_url))?;
    let store = Store::new(&dir);
    let now = Timestamp::now();
    match args.action {
        AdvisoriesAction::Update => {
            let http = advisory_http(Duration::from_secs(600), 2, &proxies()?);
            let bar = std::io::stderr()
                .is_terminal()
                .then(indicatif::ProgressBar::new_spinner);
            let mut progress = |p: Progress| {
                if let Some(bar) = &bar {
                    bar.set_message(progress_text(&p));
                    bar.tick();
                }
            };
            let outcome = update::update(&http, &store, &url, &Limits::default(), &mut progress);
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let (verb, meta) = match outcome {
                Ok(Outcome::Unchanged(meta)) => ("unchanged", meta),
                Ok(Outcome::Updated(meta)) => ("updated", meta),
                Err(e) => {
                    eprintln!(
                        "lockproof: {}",
                        escape::line(&format!("advisory database not updated: {e}"), 2000)
                    );
                    return Ok(ExitStatus::Fail);
                }
            };
            let info = DbInfo::from_index(&meta, update::checked_at(&store, &url));
            write_stdout(&escape::text(&format!("{verb}: {}\n", info.line(now))))?;
        }
        AdvisoriesAction::Show => {
            let settings = advisory_settings(
                Some(dir),
                true,
                None,
                crate::advisories::api::DEFAULT_API_URL,
                &args.osv_export_url,
            )?;
            let http = advisory_http(Duration::from_secs(30), 0, &proxies()?);
            let database = source::open(&settings, Arc::new(http), &mut |_| {});
            write_stdout(&escape::text(&format!("{}\n", database.info().line(now))))?;
        }
    }
    Ok(ExitStatus::Pass)
}

/// A progress message.
fn progress_text(p: &Progress) -> String {
    match p {
        Progress::Requesting => "advisories: asking for the export".to_owned(),
        Progress::Downloading { done, total } => match total {
            Some(total) => format!("advisories: {:.1} of {:.1} MB", mb(*done), mb(*total)),
            None => format!("advisories: {:.1} MB", mb(*done)),
        },
        Progress::Indexing { done, total } => format!("advisories: indexing {done} of {total}"),
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}
