//! Package names and install folders that npm's registry would never
//! accept: they only appear in a tampered lockfile, and can escape
//! `node_modules` or forge terminal output.

use super::EntryFindings;
use crate::finding::Code;
use crate::lockfile::SourceKind;
use crate::lockfile::name::name_problem;

pub(super) fn check(f: &mut EntryFindings) {
    if let Some(problem) = name_problem(&f.entry.name) {
        f.report(
            Code::InvalidPackageName,
            format!("the package name {:?} {problem}", f.entry.name),
        );
    }
    // Links and workspaces are folders of the project itself; only folders
    // under node_modules are package names.
    let under_node_modules = !matches!(f.entry.source, SourceKind::Workspace | SourceKind::Link)
        || f.entry.path.starts_with("node_modules/");
    if f.entry.folder_name == f.entry.name || !under_node_modules {
        return;
    }
    if let Some(problem) = name_problem(&f.entry.folder_name) {
        f.report(
            Code::InvalidPackageName,
            format!("the install folder {:?} {problem}", f.entry.folder_name),
        );
    }
}
