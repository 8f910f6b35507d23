//! The anchors in words: one line for reports, and the longer text of
//! `lockproof trust show`.

use std::fmt::Write as _;

use jiff::Timestamp;

use super::{Anchors, EMBEDDED_FROM, Source, TufVersions};
use crate::signatures::{Grant, KeyUsage};
use crate::sigstore::trust_root::TrustedRoot;

/// A source in a few words, e.g. `embedded (sigstore 4.5.1 wheel, 2026-10)`.
pub(super) fn source_name(source: &Source) -> String {
    match source {
        Source::Tuf(v) => format!("TUF {} ({})", v.url, versions(v)),
        Source::Cache { versions: v, .. } => format!("cached TUF {} ({})", v.url, versions(v)),
        Source::Embedded => format!("embedded ({EMBEDDED_FROM})"),
        Source::File(path) => format!("file {}", path.display()),
    }
}

fn versions(v: &TufVersions) -> String {
    format!(
        "root v{}, timestamp v{}, snapshot v{}, targets v{}, expires {}",
        v.root,
        v.timestamp,
        v.snapshot,
        v.targets,
        day(v.expires)
    )
}

fn day(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

/// How old, in whole days or hours.
fn age(since: Timestamp, now: Timestamp) -> String {
    let hours = now.duration_since(since).as_hours();
    if hours >= 48 {
        format!("{} days old", hours / 24)
    } else {
        format!("{} hours old", hours.max(0))
    }
}

impl Anchors {
    /// One line for reports, e.g. `trust anchors: embedded (sigstore 4.5.1
    /// wheel, 2026-10); refresh failed: timestamp.json: …`.
    pub fn describe(&self) -> String {
        let mut line = String::from("trust anchors: ");
        let short = |s: &Source| match s {
            Source::Tuf(v) => format!(
                "TUF (root v{}, snapshot v{}, expires {})",
                v.root,
                v.snapshot,
                day(v.expires)
            ),
            Source::Cache { versions, updated } => {
                let expired = if versions.expires < self.now {
                    ", expired"
                } else {
                    ""
                };
                format!(
                    "verified cache from {} ({}{expired})",
                    day(*updated),
                    age(*updated, self.now)
                )
            }
            other => source_name(other),
        };
        let (npm, root) = (
            short(&self.npm_keys_source),
            short(&self.trusted_root_source),
        );
        if npm == root {
            line.push_str(&npm);
        } else {
            let _ = write!(line, "npm keys {npm}, Sigstore trusted root {root}");
        }
        if self.offline {
            line.push_str("; offline");
        }
        if let Some(error) = &self.refresh_error {
            let _ = write!(line, "; refresh failed: {error}");
        }
        if let Some(error) = &self.cache_error {
            let _ = write!(line, "; cache: {error}");
        }
        line
    }

    /// What `lockproof trust show` prints: each anchor's source, TUF
    /// versions and expiry, and key IDs. Parses the trusted root.
    pub fn show(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.describe());
        let _ = writeln!(
            out,
            "\nnpm registry keys: {}",
            source_name(&self.npm_keys_source)
        );
        if let Source::Cache { updated, .. } = &self.npm_keys_source {
            let _ = writeln!(out, "  refreshed {} ({})", updated, age(*updated, self.now));
        }
        for key in self.npm_keys.iter() {
            let uses: Vec<String> = key.grants().iter().map(grant).collect();
            let uses = if uses.is_empty() {
                match key.expires {
                    Some(e) => format!("expires {}", day(e)),
                    None => "no expiry".to_owned(),
                }
            } else {
                uses.join(", ")
            };
            let _ = writeln!(out, "  {}  {uses}", key.keyid);
        }
        let _ = writeln!(
            out,
            "\nSigstore trusted root: {}",
            source_name(&self.trusted_root_source)
        );
        match self.trusted_root() {
            Ok(root) => root_lines(root, &mut out),
            Err(why) => {
                let _ = writeln!(out, "  unusable: {why}");
            }
        }
        out
    }
}

fn grant(g: &Grant) -> String {
    let usage = match g.usage {
        KeyUsage::Signatures => "npm:signatures",
        KeyUsage::Attestations => "npm:attestations",
    };
    let from = g.start.map(day).unwrap_or_default();
    let to = g.end.map(day).unwrap_or_default();
    format!("{usage} {from}..{to}")
}

fn root_lines(root: &TrustedRoot, out: &mut String) {
    let hex = |id: &[u8]| id.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let window = |v: &crate::sigstore::authority::ValidFor| {
        format!(
            "{}..{}",
            v.start.map(day).unwrap_or_default(),
            v.end.map(day).unwrap_or_default()
        )
    };
    for (kind, logs) in [("Rekor log", &root.tlogs), ("CT log", &root.ctlogs)] {
        for log in logs {
            let _ = writeln!(
                out,
                "  {kind} {} {}  {}",
                log.base_url,
                window(&log.valid_for),
                hex(&log.id)
            );
        }
    }
    for (kind, cas) in [
        ("Fulcio CA", &root.certificate_authorities),
        ("timestamp authority", &root.timestamp_authorities),
    ] {
        for ca in cas {
            let _ = writeln!(
                out,
                "  {kind} {} ({} certificates)",
                window(&ca.valid_for),
                ca.chain.len()
            );
        }
    }
    for skipped in &root.skipped {
        let _ = writeln!(out, "  skipped {skipped}");
    }
    if let Some(what) = root.ended {
        let _ = writeln!(out, "  note: every {what} window has ended");
    }
}
