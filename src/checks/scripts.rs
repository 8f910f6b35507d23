//! Install scripts: code that runs on every machine that installs the
//! entry, judged as the installer will run them.

use super::{Context, EntryFindings};
use crate::finding::Code;
use crate::installer::scripts::Verdict;

pub(super) fn check(f: &mut EntryFindings, ctx: &Context) {
    // A link or workspace is the project's own code; its scripts are not a
    // dependency's.
    if !f.entry.has_install_script || !f.entry.source.independently_verifiable() {
        return;
    }
    const RUNS: &str = "runs install scripts (preinstall, install or postinstall) when installed";
    match ctx.installer.as_ref().map(|i| i.scripts.verdict(f.entry)) {
        None => f.report(Code::InstallScript, RUNS.to_string()),
        Some(Verdict::Runs(why)) => f.report(Code::InstallScript, format!("{RUNS} ({why})")),
        Some(Verdict::Blocked(why)) => f.report(
            Code::InstallScriptBlocked,
            format!("has install scripts that will not run: {why}"),
        ),
    }
}
