//! SARIF 2.1.0 for code scanning: one rule per finding code (the whole
//! catalogue, so rule indexes are stable), one result per finding located
//! at its lockfile line (under `%SRCROOT%` when the lockfile is inside the
//! working folder, else by its absolute `file://` URI), and ignored
//! findings as suppressed results.

use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Report;
use super::escape::text;
use super::file_uri::{FileUri, SRCROOT, file_uri, folder_uri};
use super::pretty_json;
use crate::finding::{Code, Finding, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where to learn about the tool: the project's repository, named with
/// the same placeholder as the README and `docs/ci.md` until it has its
/// public address.
const INFORMATION_URI: &str = "https://github.com/OWNER/lockproof";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub ranks code scanning alerts by this CVSS-like score.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn rule_name(code: Code) -> String {
    code.as_str()
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rule(code: Code) -> Value {
    let mut rule = json!({
        "id": code.as_str(),
        "shortDescription": {"text": code.description()},
        "fullDescription": {"text": code.description()},
        "help": {"text": code.doc(), "markdown": code.doc()},
        "defaultConfiguration": {"level": level(code.default_severity())},
        "properties": {
            "security-severity": security_severity(code.default_severity()),
            "tags": ["security", "supply-chain", "npm"],
        },
    });
    // SARIF wants `name` omitted when it would only repeat the id.
    let name = rule_name(code);
    if !name.eq_ignore_ascii_case(code.as_str()) {
        rule["name"] = json!(name);
    }
    rule
}

/// The `artifactLocation` of `file`, seen from `working_folder`.
fn artifact_location(file: &str, working_folder: Option<&Path>) -> Value {
    match file_uri(file, working_folder) {
        FileUri::UnderRoot(uri) => json!({"uri": uri, "uriBaseId": SRCROOT}),
        FileUri::Absolute(uri) => json!({"uri": uri}),
    }
}

/// A fingerprint that survives line moves: the code and the entry.
fn fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    h.update(f.code.as_str());
    h.update([0]);
    h.update(&f.location.file);
    if let Some(p) = &f.package {
        h.update([0]);
        h.update(&p.path);
        h.update([0]);
        h.update(&p.name);
        h.update([0]);
        h.update(p.version.as_deref().unwrap_or(""));
    } else {
        h.update([0]);
        h.update(f.message.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn result(f: &Finding, level: &str, working_folder: Option<&Path>) -> Value {
    let rule_index = Code::ALL.iter().position(|c| *c == f.code).unwrap_or(0);
    let package = f.package.as_ref();
    json!({
        "ruleId": f.code.as_str(),
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text(&f.message)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(&f.location.file, working_folder),
                "region": {"startLine": f.location.line.max(1)},
            },
        }],
        "partialFingerprints": {"lockproofFinding/v1": fingerprint(f)},
        "properties": {
            "severity": f.severity.as_str(),
            "package": package.map(|p| text(&p.name)),
            "version": package.and_then(|p| p.version.as_deref().map(text)),
            "path": package.map(|p| text(&p.path)),
        },
    })
}

/// `working_folder`: absolute, resolved by the command that renders.
pub(super) fn render(report: &Report, working_folder: Option<&Path>) -> String {
    let mut results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            // A finding policy lets pass is never shown as an error.
            let lvl = match (f.fails, f.finding.severity) {
                (true, _) => "error",
                (false, Severity::Low | Severity::Info) => "note",
                (false, _) => "warning",
            };
            result(&f.finding, lvl, working_folder)
        })
        .collect();
    for i in &report.ignored {
        let mut r = result(&i.finding, level(i.finding.severity), working_folder);
        r["suppressions"] = json!([{"kind": "external", "justification": text(&i.reason)}]);
        results.push(r);
    }
    let mut run = json!({
        "tool": {"driver": {
            "name": "lockproof",
            "informationUri": INFORMATION_URI,
            "version": report.tool.version,
            "semanticVersion": report.tool.version,
            "rules": Code::ALL.iter().map(|c| rule(*c)).collect::<Vec<_>>(),
        }},
        "invocations": [{"executionSuccessful": true}],
        "results": results,
        "properties": run_properties(report),
    });
    // Where `%SRCROOT%` is, so that a reader of the file alone can resolve
    // the relative locations.
    if let Some(root) = working_folder.and_then(folder_uri) {
        run["originalUriBaseIds"] = json!({ SRCROOT: {"uri": root} });
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    });
    let mut s = pretty_json::to_string(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The run's properties: per lockfile, verified provenance and trust
/// levels, and in diff mode the base and the changes (names escaped as in
/// results).
fn run_properties(report: &Report) -> Value {
    let lockfiles: Vec<Value> = report
        .lockfiles
        .iter()
        .map(|l| {
            let mut v = json!({
                "path": l.path,
                "provenance": l.provenance,
                "trust": l.trust,
            });
            if let Some(d) = &l.diff {
                v["base"] = json!(text(&d.base));
                v["base_found"] = json!(d.base_found);
                v["unchanged"] = json!(d.unchanged);
                v["changes"] = d
                    .changes
                    .iter()
                    .map(|c| {
                        json!({
                            "path": text(&c.path),
                            "name": text(&c.name),
                            "version": c.version.as_deref().map(text),
                            "base_version": c.base_version.as_deref().map(text),
                            "kinds": c.kinds,
                            "details": c.details.iter().map(|d| text(d)).collect::<Vec<_>>(),
                            "suspicious": c.suspicious,
                        })
                    })
                    .collect();
            }
            v
        })
        .collect();
    let mut props = json!({ "lockfiles": lockfiles });
    if let (Some(base), Some(totals)) = (&report.diff, report.summary.diff) {
        props["diff"] = json!({
            "base": text(&base.base),
            "kind": base.kind,
            "changed": totals.changed,
            "unchanged": totals.unchanged,
        });
    }
    props
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(rule_name(Code::TarballNameMismatch), "TarballNameMismatch");
    }
}
