//! CVSS v3.0 and v3.1 base scores, computed from a vector string by the
//! formula of the CVSS v3.1 specification (section 7.1 and appendix A).
//!
//! v3.0 and v3.1 share the base metrics, weights and formula; v3.1 only
//! redefined `Roundup` so that floating-point error cannot push a score up a
//! tenth. The v3.1 `Roundup` is used for both: it computes exactly what the
//! v3.0 text defines ("the smallest number, specified to one decimal place,
//! that is equal to or higher than its input"). Temporal and environmental
//! metrics are validated and otherwise ignored: OSV records carry base
//! vectors, and the base score is what an advisory's severity is.

use std::collections::BTreeSet;

use thiserror::Error;

/// A CVSS v3 version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Version {
    /// CVSS v3.0.
    #[serde(rename = "3.0")]
    V30,
    /// CVSS v3.1.
    #[serde(rename = "3.1")]
    V31,
}

/// A base score, in tenths (`98` is 9.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Score(pub u8);

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// Why a vector string is not a valid CVSS v3 vector.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum VectorError {
    /// It does not start with `CVSS:3.0/` or `CVSS:3.1/`.
    #[error("not a CVSS v3 vector")]
    NotV3,
    /// A `metric:value` part is malformed, unknown or repeated.
    #[error("bad metric {0:?}")]
    Metric(String),
    /// A base metric is missing.
    #[error("base metric {0} is missing")]
    Missing(&'static str),
}

/// The base metrics, each as its weight (scope kept separately).
struct Base {
    av: f64,
    ac: f64,
    ui: f64,
    /// Privileges required, as the letter: its weight depends on scope.
    pr: u8,
    changed: bool,
    c: f64,
    i: f64,
    a: f64,
}

/// Temporal and environmental metrics and the values each may take.
const OTHER_METRICS: &[(&str, &str)] = &[
    ("E", "XUPFH"),
    ("RL", "XOTWU"),
    ("RC", "XURC"),
    ("CR", "XLMH"),
    ("IR", "XLMH"),
    ("AR", "XLMH"),
    ("MAV", "XNALP"),
    ("MAC", "XLH"),
    ("MPR", "XNLH"),
    ("MUI", "XNR"),
    ("MS", "XUC"),
    ("MC", "XNLH"),
    ("MI", "XNLH"),
    ("MA", "XNLH"),
];

/// Parses a CVSS v3.0/v3.1 vector and computes its base score.
pub fn base_score(vector: &str) -> Result<(Version, Score), VectorError> {
    let (version, rest) = if let Some(rest) = vector.strip_prefix("CVSS:3.1/") {
        (Version::V31, rest)
    } else if let Some(rest) = vector.strip_prefix("CVSS:3.0/") {
        (Version::V30, rest)
    } else {
        return Err(VectorError::NotV3);
    };
    let base = parse(rest)?;
    Ok((version, Score(score(&base))))
}

fn parse(metrics: &str) -> Result<Base, VectorError> {
    let mut seen = BTreeSet::new();
    let mut base = [None::<u8>; 8];
    const NAMES: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
    const VALUES: [&str; 8] = ["NALP", "LH", "NLH", "NR", "UC", "HLN", "HLN", "HLN"];
    for part in metrics.split('/') {
        let bad = || VectorError::Metric(part.chars().take(40).collect());
        let (key, value) = part.split_once(':').ok_or_else(bad)?;
        let &[letter] = value.as_bytes() else {
            return Err(bad());
        };
        if !seen.insert(key) {
            return Err(bad());
        }
        if let Some(slot) = NAMES.iter().position(|n| *n == key) {
            let allowed = VALUES.get(slot).ok_or_else(bad)?;
            if !allowed.as_bytes().contains(&letter) {
                return Err(bad());
            }
            if let Some(s) = base.get_mut(slot) {
                *s = Some(letter);
            }
        } else if !OTHER_METRICS
            .iter()
            .any(|(k, v)| *k == key && v.as_bytes().contains(&letter))
        {
            return Err(bad());
        }
    }
    let mut letters = [0u8; 8];
    for ((slot, letter), name) in letters.iter_mut().zip(base).zip(NAMES) {
        *slot = letter.ok_or(VectorError::Missing(name))?;
    }
    let [av, ac, pr, ui, s, c, i, a] = letters;
    let cia = |l: u8| match l {
        b'H' => 0.56,
        b'L' => 0.22,
        _ => 0.0,
    };
    Ok(Base {
        av: match av {
            b'N' => 0.85,
            b'A' => 0.62,
            b'L' => 0.55,
            _ => 0.2,
        },
        ac: if ac == b'L' { 0.77 } else { 0.44 },
        ui: if ui == b'N' { 0.85 } else { 0.62 },
        pr,
        changed: s == b'C',
        c: cia(c),
        i: cia(i),
        a: cia(a),
    })
}

/// The base score in tenths (v3.1 section 7.1).
fn score(b: &Base) -> u8 {
    let pr = match (b.pr, b.changed) {
        (b'N', _) => 0.85,
        (b'L', false) => 0.62,
        (b'L', true) => 0.68,
        (_, false) => 0.27,
        (_, true) => 0.5,
    };
    let iss = 1.0 - (1.0 - b.c) * (1.0 - b.i) * (1.0 - b.a);
    let impact = if b.changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    if impact <= 0.0 {
        return 0;
    }
    let exploitability = 8.22 * b.av * b.ac * pr * b.ui;
    let raw = if b.changed {
        1.08 * (impact + exploitability)
    } else {
        impact + exploitability
    };
    roundup_tenths(raw.min(10.0))
}

/// `Roundup` of CVSS v3.1 appendix A, in tenths: the input is first rounded
/// to five decimal places, so that 4.000000000000001 is 4.0, not 4.1.
fn roundup_tenths(value: f64) -> u8 {
    // `value` is in 0..=10, so the product fits easily and is non-negative.
    let hundred_thousandths = (value * 100_000.0).round() as u32;
    let tenths = if hundred_thousandths.is_multiple_of(10_000) {
        hundred_thousandths / 10_000
    } else {
        hundred_thousandths / 10_000 + 1
    };
    u8::try_from(tenths).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        let (_, score) = base_score(v).unwrap();
        score.to_string()
    }

    #[test]
    fn scores_match_the_specification_examples() {
        assert_eq!(s("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), "9.8");
        assert_eq!(s("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), "10.0");
        assert_eq!(s("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), "6.1");
        assert_eq!(s("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"), "7.5");
        assert_eq!(s("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), "8.8");
        assert_eq!(s("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), "7.8");
        assert_eq!(s("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"), "5.9");
        assert_eq!(s("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"), "5.4");
        assert_eq!(s("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"), "1.6");
        assert_eq!(s("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), "0.0");
        // Scope changed raises the weight of low and high privileges.
        assert_eq!(s("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H"), "9.9");
        assert_eq!(s("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H"), "9.1");
        assert_eq!(s("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N"), "6.8");
    }

    #[test]
    fn metric_order_and_temporal_metrics_do_not_change_the_base_score() {
        assert_eq!(
            s("CVSS:3.1/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/S:U/E:P/RL:O/RC:C/MAV:L"),
            "9.8"
        );
        assert_eq!(
            base_score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
                .unwrap()
                .0,
            Version::V30
        );
    }

    #[test]
    fn bad_vectors_are_rejected() {
        for bad in [
            "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "CVSS:2.0/AV:N",
        ] {
            assert_eq!(base_score(bad), Err(VectorError::NotV3), "{bad}");
        }
        for bad in [
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:L",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
            "CVSS:3.1/",
        ] {
            assert!(base_score(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roundup_ignores_floating_point_noise() {
        assert_eq!(roundup_tenths(4.000_000_000_000_001), 40);
        assert_eq!(roundup_tenths(4.02), 41);
        assert_eq!(roundup_tenths(0.0), 0);
        assert_eq!(roundup_tenths(10.0), 100);
    }
}
