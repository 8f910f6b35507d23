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
    pub fn lookup(&self, queries: &[Query<'_>]) -> Vec<Lookup> {
        match self {
            Self::Index { index, .. } => lookup_index(index, queries),
            Self::Api { http, settings } => api::lookup(http.as_ref(), settings, queries),
            Self::Missing { reason } => {
                let reason: Arc<str> = format!("no advisory database: {reason}").into();
                queries
                    .iter()
                    .map(|_| Lookup::Unknown {
                        reason: reason.clone(),
                    })
                    .collect()
            }
        }
    }
}

/// Matches each query against the records filed under its name.
pub fn lookup_index(index: &Index, queries: &[Query<'_>]) -> Vec<Lookup> {
    let names: Vec<&str> = queries.iter().map(|q| q.name).collect();
    let records = match index.lookup(&names) {
        Ok(r) => r,
        Err(e) => {
            let reason: Arc<str> = e.to_string().into();
            return queries
                .iter()
                .map(|_| Lookup::Unknown {
                    reason: reason.clone(),
                })
                .collect();
        }
    };
    queries
        .iter()
        .zip(&records)
        .map(|(query, records)| {
            let target = Target::new(query.name, query.version);
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
                    advisories: merge::merge(query.name, &matched),
                    incomplete: None,
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::evidence::SourceKind;
    use crate::advisories::http::{HttpError, Request, Response};

    /// A client that must never be called.
    struct NoNetwork;

    impl Http for NoNetwork {
        fn send(&self, request: &Request<'_>) -> Result<Response, HttpError> {
            panic!("unexpected request to {}", request.url)
        }
    }

    fn settings(cache: Option<&std::path::Path>, offline: bool) -> Settings {
        Settings {
            cache_dir: cache.map(std::path::Path::to_path_buf),
            advisory_db: None,
            export_url: Url::parse("https://osv.example/npm/all.zip").unwrap(),
            api: ApiSettings::new(Url::parse("https://osv.example/").unwrap()),
            offline,
            limits: Limits::default(),
        }
    }

    fn open_with(s: &Settings) -> Database {
        open(s, Arc::new(NoNetwork), &mut |_| {})
    }

    #[test]
    fn without_a_database_offline_every_entry_is_unknown_and_says_why() {
        let db = open_with(&settings(None, true));
        let Database::Missing { reason } = &db else {
            panic!("{db:?}")
        };
        assert!(reason.contains("lockproof advisories update"), "{reason}");
        assert_eq!(db.info().source, SourceKind::None);
        let out = db.lookup(&[Query {
            name: "a",
            version: "1.0.0",
        }]);
        assert!(
            matches!(&out[0], Lookup::Unknown { reason } if reason.starts_with("no advisory database")),
            "{out:?}"
        );
    }

    #[test]
    fn online_without_an_export_the_api_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let db = open_with(&settings(Some(dir.path()), false));
        assert!(matches!(db, Database::Api { .. }), "{db:?}");
        assert_eq!(db.info().source, SourceKind::Api);
    }

    #[test]
    fn a_damaged_export_index_is_unknown_offline_and_replaced_by_the_api_online() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(Some(dir.path()), true);
        let store = Store::new(dir.path());
        store.create().unwrap();
        std::fs::write(
            store.export_index(s.export_url.as_str()),
            b"LPOSVIX1 garbage",
        )
        .unwrap();
        let db = open_with(&s);
        let Database::Missing { reason } = &db else {
            panic!("{db:?}")
        };
        assert!(reason.contains("damaged advisory index"), "{reason}");
        let online = open_with(&Settings {
            offline: false,
            ..s
        });
        assert!(matches!(online, Database::Api { .. }), "{online:?}");
    }

    #[test]
    fn a_local_file_needs_a_cache_and_a_bad_one_is_unknown_never_the_api() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("all.zip");
        std::fs::write(&zip, b"not a zip").unwrap();
        let no_cache = open_with(&Settings {
            advisory_db: Some(zip.clone()),
            ..settings(None, false)
        });
        assert!(matches!(no_cache, Database::Missing { .. }), "{no_cache:?}");
        let bad = open_with(&Settings {
            advisory_db: Some(zip),
            ..settings(Some(dir.path()), false)
        });
        let Database::Missing { reason } = &bad else {
            panic!("{bad:?}")
        };
        assert!(reason.contains("not a readable zip archive"), "{reason}");
    }
}
