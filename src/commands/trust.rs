//! `lockproof trust`: the trust anchors in use (`show`), or a refresh from
//! the TUF repository now (`update`).

use anyhow::Result;
use jiff::Timestamp;

use super::settings::{anchor_settings, cache_dir, proxies};
use super::{ExitStatus, write_stdout};
use crate::anchors;
use crate::cli::{TrustAction, TrustArgs};
use crate::report::escape;

/// Runs the command.
pub(super) fn run(args: &TrustArgs) -> Result<ExitStatus> {
    let settings = anchor_settings(
        cache_dir(args.cache_dir.as_deref()),
        args.offline,
        &args.tuf_url,
        &proxies()?,
        Timestamp::now(),
    );
    match args.action {
        TrustAction::Show => {
            write_stdout(&escape_lines(&anchors::load(&settings).show()))?;
            Ok(ExitStatus::Pass)
        }
        TrustAction::Update => match anchors::update(&settings) {
            Ok(anchors) => {
                write_stdout(&escape_lines(&anchors.describe()))?;
                Ok(ExitStatus::Pass)
            }
            Err(e) => {
                eprintln!("lockproof: {}", escape::line(&e.to_string(), 2000));
                Ok(ExitStatus::Fail)
            }
        },
    }
}

/// Each line escaped: URLs and errors in the text come from the network.
fn escape_lines(text: &str) -> String {
    text.lines().map(|l| escape::text(l) + "\n").collect()
}
