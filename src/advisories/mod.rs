//! Advisories: known-malicious and vulnerable npm versions, from OSV data.
//!
//! The OSV record model ([`osv`]) is shared by every source: the OSV
//! per-ecosystem export, indexed once on disk by package name ([`export`],
//! [`index`], [`update`]), and an OSV-compatible API ([`api`]). [`matching`]
//! decides whether a record affects a version with OSV's semantics for npm,
//! [`merge`] turns the records that matched one entry into advisories (one
//! per vulnerability, aliases merged), [`source`] picks the source for an
//! audit and answers per entry with [`evidence`] that is present, absent or
//! unknown, and [`judge`] turns that evidence into findings without any
//! I/O; [`ignore`] says which ignores cover which advisory. Everything
//! that talks to a server goes through the small [`http`] trait, so tests
//! fake it; [`store`] is the cache folder's layout.

pub mod api;
pub mod cvss;
pub mod evidence;
pub mod export;
pub mod http;
pub mod ignore;
pub mod index;
pub mod judge;
pub mod matching;
pub mod merge;
pub mod osv;
pub mod severity;
pub mod source;
pub mod store;
#[cfg(test)]
mod tests;
pub mod update;
