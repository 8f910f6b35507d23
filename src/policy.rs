//! Policy: the one place where findings become pass or fail.
//!
//! Checks report everything at the code's default severity; this module
//! applies the project's ignores (with reasons and expiry), the per-code
//! levels (deny / warn / allow) and the `fail-on` severity, and notes
//! ignores that expired or matched nothing so they do not rot silently.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::advisories::ignore;
use crate::config::{Config, Date, Ignore, IgnoreTarget, LintLevel};
use crate::finding::{Code, Finding, PackageRef, Severity};
use crate::lockfile::name::installed_as_itself;

/// The rules findings are judged by.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Lowest severity that fails the run.
    pub fail_on: Severity,
    /// Level per code.
    pub levels: BTreeMap<Code, LintLevel>,
    /// Ignores, in file order.
    pub ignores: Vec<Ignore>,
    /// The config file the ignores came from (for notes).
    pub config_path: Option<String>,
    /// The date expiry is judged against.
    pub today: Date,
    /// Strict: evidence that could not be had fails the run, whatever the
    /// levels say.
    pub strict: bool,
}

impl Policy {
    /// The policy from a config, with `fail_on` from the command line when
    /// given, else the config's, else `high`.
    pub fn new(config: &Config, fail_on: Option<Severity>, today: Date) -> Self {
        Self {
            fail_on: fail_on.or(config.fail_on).unwrap_or(Severity::High),
            levels: config.levels.clone(),
            ignores: config.ignores.clone(),
            config_path: config.path.as_ref().map(|p| p.display().to_string()),
            today,
            strict: config.strict,
        }
    }
}

impl Policy {
    /// The level of `code`: in strict mode, evidence that could not be had
    /// is `deny` whatever the levels say (a project file must not turn a
    /// strict gate's unknowns back into warnings); else the configured
    /// level, else the code's default.
    pub fn level(&self, code: Code) -> Option<LintLevel> {
        if self.strict && matches!(code, Code::FetchFailed | Code::TarballDownloadFailed) {
            return Some(LintLevel::Deny);
        }
        self.levels
            .get(&code)
            .copied()
            .or_else(|| default_level(code))
    }
}

/// A finding that stays in the report, with its verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The level policy set for its code, if any.
    pub level: Option<LintLevel>,
    /// Whether it fails the run.
    pub fails: bool,
}

/// A finding an ignore removed, kept for the record.
#[derive(Debug, Clone, Serialize)]
pub struct IgnoredFinding {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The ignore's reason.
    pub reason: String,
    /// Line of the ignore in the config.
    pub ignore_line: u32,
}

/// What a policy note is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    /// An ignore past its expiry date.
    ExpiredIgnore,
    /// An ignore that matched no finding.
    UnusedIgnore,
}

/// Something about the policy itself worth telling the user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PolicyNote {
    /// What the note is about.
    pub kind: NoteKind,
    /// The config file.
    pub file: Option<String>,
    /// Line of the ignore.
    pub line: u32,
    /// What to do about it.
    pub message: String,
}

/// Findings sorted into what policy did with them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    /// Reported findings, sorted.
    pub findings: Vec<Judged>,
    /// Findings removed by an ignore.
    pub ignored: Vec<IgnoredFinding>,
    /// Count per code of findings whose level is `allow`.
    #[serde(serialize_with = "crate::finding::serialize_code_counts")]
    pub suppressed: BTreeMap<Code, usize>,
    /// Expired and unused ignores.
    pub notes: Vec<PolicyNote>,
}

impl Outcome {
    /// Whether any reported finding fails the run.
    pub fn fails(&self) -> bool {
        self.findings.iter().any(|f| f.fails)
    }
}

/// The level a code has when the configuration sets none. Unknown evidence
/// (`fetch-failed`) is reported but does not fail the gate unless the
/// policy says so: a flaky network must not block every build, and a strict
/// gate runs with `--strict` (see [`Policy::level`]).
///
/// Most published versions have no provenance, so `provenance-absent` is
/// allowed by default: the report counts it (and the evidence summary shows
/// how many entries lack provenance) without listing each. A project that
/// requires provenance raises it, e.g. `provenance-absent = "deny"`.
pub fn default_level(code: Code) -> Option<LintLevel> {
    match code {
        Code::FetchFailed | Code::TarballDownloadFailed => Some(LintLevel::Warn),
        Code::ProvenanceAbsent => Some(LintLevel::Allow),
        _ => None,
    }
}

/// Applies `policy` to `findings`.
pub fn apply(policy: &Policy, mut findings: Vec<Finding>) -> Outcome {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let active: Vec<bool> = policy
        .ignores
        .iter()
        .map(|i| i.expires.is_none_or(|d| d >= policy.today))
        .collect();
    let mut used = vec![false; policy.ignores.len()];
    let mut out = Outcome::default();
    for finding in findings {
        // An ignore covers a package installed under its own name only: the
        // `name` field is the lockfile's to set, so an entry renaming itself
        // (`node_modules/lodash` claiming to be `@corp/internal`) must not
        // inherit the ignores of the name it claims.
        let ignore = finding
            .package
            .as_ref()
            .filter(|p| installed_as_itself(&p.path, &p.name))
            .and_then(|p| {
                policy
                    .ignores
                    .iter()
                    .enumerate()
                    .find(|(i, ig)| active[*i] && covers(&ig.target, &finding, p))
            });
        if let Some((i, ig)) = ignore {
            used[i] = true;
            out.ignored.push(IgnoredFinding {
                finding,
                reason: ig.reason.clone(),
                ignore_line: ig.line,
            });
            continue;
        }
        let level = policy.level(finding.code);
        let fails = match level {
            Some(LintLevel::Allow) => {
                *out.suppressed.entry(finding.code).or_default() += 1;
                continue;
            }
            Some(LintLevel::Deny) => true,
            Some(LintLevel::Warn) => false,
            None => finding.severity >= policy.fail_on,
        };
        out.findings.push(Judged {
            finding,
            level,
            fails,
        });
    }
    for (i, ig) in policy.ignores.iter().enumerate() {
        let note = |kind, message| PolicyNote {
            kind,
            file: policy.config_path.clone(),
            line: ig.line,
            message,
        };
        if !active[i] {
            let expires = ig.expires.map(|d| d.to_string()).unwrap_or_default();
            out.notes.push(note(
                NoteKind::ExpiredIgnore,
                format!(
                    "the ignore of {} expired on {expires} and no longer applies",
                    ig.target
                ),
            ));
        } else if !used[i] {
            out.notes.push(note(
                NoteKind::UnusedIgnore,
                format!("the ignore of {} matched no finding; remove it", ig.target),
            ));
        }
    }
    out
}

/// Whether an ignore's target covers `finding` about `package`.
fn covers(target: &IgnoreTarget, finding: &Finding, package: &PackageRef) -> bool {
    let version = package.version.as_deref();
    match target {
        IgnoreTarget::Code { package: p, code } => {
            *code == finding.code && p.matches(&package.name, version)
        }
        IgnoreTarget::Advisory { id, package: p } => {
            finding.advisory.as_ref().is_some_and(|a| {
                ignore::covers(
                    id,
                    std::iter::once(a.id.as_str()).chain(a.aliases.iter().map(String::as_str)),
                )
            }) && p.as_ref().is_none_or(|p| p.matches(&package.name, version))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config;
    use crate::finding::{Location, PackageRef};

    fn finding(code: Code, name: &str, version: &str) -> Finding {
        Finding::new(
            code,
            Some(PackageRef {
                name: name.into(),
                version: Some(version.into()),
                path: format!("node_modules/{name}"),
            }),
            "m".into(),
            Location {
                file: "package-lock.json".into(),
                line: 1,
            },
        )
    }

    fn policy(toml: &str, fail_on: Option<Severity>) -> Policy {
        let c = config::parse(Path::new("lockproof.toml"), toml).unwrap();
        let today = Date {
            year: 2026,
            month: 11,
            day: 28,
        };
        Policy::new(&c, fail_on, today)
    }

    #[test]
    fn severity_against_fail_on_decides_by_default() {
        let p = policy("", None);
        let out = apply(
            &p,
            vec![
                finding(Code::InstallScript, "a", "1.0.0"),
                finding(Code::HostNotAllowed, "b", "1.0.0"),
            ],
        );
        assert!(out.fails());
        assert_eq!(out.findings[0].finding.code, Code::HostNotAllowed);
        assert!(out.findings[0].fails);
        assert!(!out.findings[1].fails);
        let lenient = apply(
            &policy("", Some(Severity::Critical)),
            vec![finding(Code::HostNotAllowed, "b", "1")],
        );
        assert!(!lenient.fails());
    }

    #[test]
    fn strict_denies_unknown_evidence_whatever_the_levels_say() {
        let lenient = "[levels]\nfetch-failed = \"allow\"\ntarball-download-failed = \"warn\"\n";
        let p = policy(lenient, None);
        let out = apply(
            &p,
            vec![
                finding(Code::FetchFailed, "a", "1.0.0"),
                finding(Code::TarballDownloadFailed, "b", "1.0.0"),
            ],
        );
        assert!(!out.fails());
        let p = policy(&format!("strict = true\n{lenient}"), None);
        let out = apply(
            &p,
            vec![
                finding(Code::FetchFailed, "a", "1.0.0"),
                finding(Code::TarballDownloadFailed, "b", "1.0.0"),
            ],
        );
        assert_eq!(out.findings.iter().filter(|f| f.fails).count(), 2);
    }

    #[test]
    fn levels_deny_warn_and_allow() {
        let p = policy(
            "[levels]\ninstall-script = \"deny\"\nhost-not-allowed = \"warn\"\ngit-source = \"allow\"\n",
            None,
        );
        let out = apply(
            &p,
            vec![
                finding(Code::InstallScript, "a", "1.0.0"),
                finding(Code::HostNotAllowed, "b", "1.0.0"),
                finding(Code::GitSource, "c", "1.0.0"),
                finding(Code::GitSource, "d", "1.0.0"),
            ],
        );
        let fails: Vec<_> = out
            .findings
            .iter()
            .map(|f| (f.finding.code, f.fails))
            .collect();
        assert_eq!(
            fails,
            vec![(Code::HostNotAllowed, false), (Code::InstallScript, true)]
        );
        assert_eq!(out.suppressed[&Code::GitSource], 2);
    }

    #[test]
    fn ignores_do_not_follow_a_name_the_entry_gives_itself() {
        let p = policy(
            "[[ignore]]\npackage = \"@corp/internal\"\ncode = \"host-not-allowed\"\nreason = \"ours\"\n",
            None,
        );
        let mut renamed = finding(Code::HostNotAllowed, "@corp/internal", "1.0.0");
        renamed.package.as_mut().unwrap().path = "node_modules/lodash".into();
        let out = apply(
            &p,
            vec![
                renamed,
                finding(Code::HostNotAllowed, "@corp/internal", "1.0.0"),
            ],
        );
        assert_eq!((out.ignored.len(), out.findings.len()), (1, 1));
        assert_eq!(
            out.findings[0].finding.package.as_ref().unwrap().path,
            "node_modules/lodash"
        );
    }

    #[test]
    fn ignores_match_name_range_and_code_and_expire() {
        let p = policy(
            r#"[[ignore]]
package = "a@^1.0.0"
code = "host-not-allowed"
reason = "private mirror"
[[ignore]]
package = "b"
code = "host-not-allowed"
reason = "old"
expires = 2020-01-01
[[ignore]]
package = "nothing"
code = "git-source"
reason = "stale"
"#,
            None,
        );
        let out = apply(
            &p,
            vec![
                finding(Code::HostNotAllowed, "a", "1.2.0"),
                finding(Code::HostNotAllowed, "a", "2.0.0"),
                finding(Code::HostNotAllowed, "b", "1.0.0"),
            ],
        );
        assert_eq!(out.ignored.len(), 1);
        assert_eq!(out.ignored[0].reason, "private mirror");
        assert_eq!(out.findings.len(), 2);
        let kinds: Vec<_> = out.notes.iter().map(|n| (n.kind, n.line)).collect();
        assert_eq!(
            kinds,
            vec![(NoteKind::ExpiredIgnore, 5), (NoteKind::UnusedIgnore, 10)]
        );
    }
}
