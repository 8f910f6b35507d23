//! Choosing the advisory source for an audit and asking it about entries:
//! one answer per entry, whichever source it is.
//!
//! The choice, in order: a local export file (`--advisory-db FILE`), else
//! the export downloaded into the cache by `lockproof advisories update`,
//! else (online) the OSV API, else none. With none, every entry's advisory
//! evidence is unknown, with the reason. An index that cannot be opened is
//! a reason too; online, the API is asked instead.

use std::path::PathBuf;
use std::sync::Arc;

use url::Url;

use super::api::{self, ApiSettings, Query};
use super::evidence::{DbInfo, Lookup};
use super::export::Limits;
use super::http::Http;
use super::index::Index;
use super::matching::{self, Target, Verdict};
use super::merge::{self, Match};
use super::store::Store;
use super::update::{self, Progress};

/// Where advisories may come from: plain settings, resolved by the caller.
#[derive(Debug, Clone)]
pub struct Settings {
    /// lockproof's cache folder (indexes live in its `advisories/v1/`).
    pub cache_dir: Option<PathBuf>,
    /// `--advisory-db FILE`: a local OSV export zip.
    pub advisory_db: Option<PathBuf>,
    /// The export `lockproof advisories update` downloads.
    pub export_url: Url,
    /// The OSV-compatible API (`--osv-url`).
    pub api: ApiSettings,
    /// No network: the API is never asked.
    pub offline: bool,
    /// Limits on reading an export.
    pub limits: Limits,
}

/// The source chosen for an audit.
pub enum Database {
    /// An indexed export (downloaded or local).
    Index {
        /// The index.
        index: Box<Index>,
        /// What the report says about it.
        info: DbInfo,
    },
    /// The API.
    Api {
        /// The client.
        http: Arc<dyn Http>,
        /// Where and how.
        settings: ApiSettings,
    },
    /// None: every entry is unknown.
    Missing {
        /// Why.
        reason: String,
    },
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Index { .. } => "Database::Index",
            Self::Api { .. } => "Database::Api",
            Self::Missing { .. } => "Database::Missing",
        })
    }
}

/// Picks the source `settings` allow. Indexing a local export file the
/// first time reports to `progress`.
pub fn open(
    settings: &Settings,
    http: Arc<dyn Http>,
    progress: &mut dyn FnMut(Progress),
) -> Database {
    let store = settings.cache_dir.as_deref().map(Store::new);
    if let Some(file) = &settings.advisory_db {
        let Some(store) = &store else {
            return Database::Missing {
                reason: format!(
                    "{}: no cache folder to index it in (set --cache-dir)",
                    file.display()
                ),
            };
        };
        return match update::open_file(store, file, &settings.limits, progress) {
            Ok(index) => {
                let info = DbInfo::from_index(index.meta(), None);
                Database::Index {
                    index: Box::new(index),
                    info,
                }
            }
            Err(e) => Database::Missing {
                reason: e.to_string(),
            },
        };
    }
    let downloaded = store
        .as_ref()
        .map(|s| (s, update::open_export(s, &settings.export_url)));
    let problem = match downloaded {
        Some((store, Ok(Some(index)))) => {
            let checked = update::checked_at(store, &settings.export_url);
            let info = DbInfo::from_index(index.meta(), checked);
            return Database::Index {
                index: Box::new(index),
                info,
            };
        }
        Some((_, Err(e))) => Some(e.to_string()),
        Some((_, Ok(None))) | None => None,
    };
    if !settings.offline {
        return Database::Api {
            http,
            settings: settings.api.clone(),
        };
    }
    Database::Missing {
        reason: problem.unwrap_or_else(|| {
            "offline, and no export downloaded: run `lockproof advisories update`, \
             or pass --advisory-db FILE"
                .into()
        }),
    }
}

impl Database {
    /// What the report says about the database.
    pub fn info(&self) -> DbInfo {
        match self {
            Self::Index { info, .. } => info.clone(),
            Self::Api { settings, .. } => DbInfo::api(settings.base_url.as_str()),
            Self::Missing { reason } => DbInfo::unavailable(reason),
        }
    }

    /// One lookup per query, in order.
    pub fn lookup(&self, queries: &[Query]) -> Vec<Lookup> {
        match self {
            Self::Index { index, .. } => lookup_index(index, queries),
            Self::Api { http, settings } => api::lookup(http.as_ref(), settings, queries),
            Self::Missing { reason } => queries
                .iter()
                .map(|_| Lookup::Unknown {
                    reason: format!("no advisory database: {reason}"),
                })
                .collect(),
        }
    }
}

/// Matches each query against the records filed under its name.
pub fn lookup_index(index: &Index, queries: &[Query]) -> Vec<Lookup> {
    let names: Vec<&str> = queries.iter().map(|q| q.name.as_str()).collect();
    let records = match index.lookup(&names) {
        Ok(r) => r,
        Err(e) => {
            return queries
                .iter()
                .map(|_| Lookup::Unknown {
                    reason: e.to_string(),
                })
                .collect();
        }
    };
    queries
        .iter()
        .zip(&records)
        .map(|(query, records)| {
            let target = Target::new(&query.name, &query.version);
            let matched: Vec<Match<'_>> = records
                .iter()
                .filter_map(|record| match matching::affects(record, &target) {
                    Verdict::Affected => Some((record.as_ref(), None)),
                    Verdict::Undecided(why) => Some((record.as_ref(), Some(why))),
                    Verdict::NotAffected => None,
                })
                .collect();
            if matched.is_empty() {
                Lookup::Absent
            } else {
                Lookup::Present {
                    advisories: merge::merge(&query.name, &matched),
                    incomplete: None,
                }
            }
        })
        .collect()
}
