//! Advisories: known-malicious and vulnerable npm versions, from OSV data.
//!
//! The OSV record model ([`osv`]) is shared by every source: the OSV
//! per-ecosystem export, indexed once on disk by package name ([`export`],
//! [`index`], [`update`]), and an OSV-compatible API ([`api`]). [`matching`]
//! decides whether a record affects a version with OSV's semantics for npm,
//! [`merge`] turns the records that matched one entry into advisories (one
//! per vulnerability, aliases merged), [`source`] answers per entry with
//! evidence that is present, absent or unknown, and [`judge`] turns that
//! evidence into findings without any I/O.

pub mod cvss;
pub mod matching;
pub mod merge;
pub mod osv;
pub mod severity;
