//! Install scripts: code that runs on every machine that installs the entry.

use super::EntryFindings;
use crate::finding::Code;

pub(super) fn check(f: &mut EntryFindings) {
    // A link or workspace is the project's own code; its scripts are not a
    // dependency's.
    if f.entry.has_install_script && f.entry.source.independently_verifiable() {
        f.report(
            Code::InstallScript,
            "runs install scripts (preinstall, install or postinstall) when installed".to_string(),
        );
    }
}
