//! SARIF 2.1.0 for code scanning: one rule per finding code (the whole
//! catalogue, so rule indexes are stable), one result per finding located
//! at its lockfile line, and ignored findings as suppressed results.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Report;
use super::escape::text;
use crate::finding::{Code, Finding, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Characters kept as they are in a relative URI path.
const URI_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

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

fn uri(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let trimmed = slashed.strip_prefix("./").unwrap_or(&slashed);
    utf8_percent_encode(trimmed, URI_PATH).to_string()
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

fn result(f: &Finding, level: &str) -> Value {
    let rule_index = Code::ALL.iter().position(|c| *c == f.code).unwrap_or(0);
    let package = f.package.as_ref();
    json!({
        "ruleId": f.code.as_str(),
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text(&f.message)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&f.location.file)},
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

pub(super) fn render(report: &Report) -> String {
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
            result(&f.finding, lvl)
        })
        .collect();
    for i in &report.ignored {
        let mut r = result(&i.finding, level(i.finding.severity));
        r["suppressions"] = json!([{"kind": "external", "justification": text(&i.reason)}]);
        results.push(r);
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lockproof",
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": Code::ALL.iter().map(|c| rule(*c)).collect::<Vec<_>>(),
            }},
            "invocations": [{"executionSuccessful": true}],
            "results": results,
            "properties": run_properties(report),
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
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

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("./a b/package-lock.json"), "a%20b/package-lock.json");
        assert_eq!(uri("dir\\package-lock.json"), "dir/package-lock.json");
    }
}
