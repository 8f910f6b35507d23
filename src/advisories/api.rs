//! An OSV-compatible API as an advisory source: `POST /v1/querybatch` to
//! learn which advisory ids affect each name and version, then
//! `GET /v1/vulns/{id}` for each id's full record.
//!
//! Queries go in batches (the public API takes up to 1,000 per request);
//! a result with a `next_page_token` is asked again with that token until
//! none is left, up to a bound on pages. The server's answer is the match:
//! its ids are taken as affecting the version queried (it evaluates ranges
//! and enumerated versions itself), and the full records supply summary,
//! severity, aliases, fixed versions and references through the same model
//! as the export. A withdrawn record is dropped. A batch that fails leaves
//! its entries unknown; a record that cannot be fetched leaves the entries
//! that named it incomplete (or unknown when nothing else matched).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use url::Url;

use super::evidence::Lookup;
use super::http::{Http, Method, Request};
use super::merge::{self, Match};
use super::osv::{self, NPM, Parsed, Record};

/// Where the public OSV API answers.
pub const DEFAULT_API_URL: &str = "https://api.osv.dev/";

/// How the API is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiSettings {
    /// Base URL; `v1/querybatch` and `v1/vulns/{id}` are resolved against
    /// it (a trailing `/` is added when missing).
    pub base_url: Url,
    /// Queries per batch request.
    pub batch_size: usize,
    /// Pages followed per query.
    pub max_pages: u32,
    /// Largest response body read.
    pub max_body: u64,
}

impl ApiSettings {
    /// Settings for the API at `base_url`, with the public API's limits.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            batch_size: 1000,
            max_pages: 20,
            max_body: 64 << 20,
        }
    }

    fn endpoint(&self, path: &[&str]) -> Result<Url, String> {
        let mut url = self.base_url.clone();
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| format!("{}: not a base URL", self.base_url))?;
        segments.pop_if_empty();
        segments.extend(path);
        drop(segments);
        Ok(url)
    }
}

/// One question: is this version of this package affected?
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Query<'a> {
    /// The npm name.
    pub name: &'a str,
    /// The version.
    pub version: &'a str,
}

#[derive(Serialize)]
struct BatchRequest<'a> {
    queries: Vec<QueryBody<'a>>,
}

#[derive(Serialize)]
struct QueryBody<'a> {
    package: PackageBody<'a>,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    page_token: Option<&'a str>,
}

#[derive(Serialize)]
struct PackageBody<'a> {
    name: &'a str,
    ecosystem: &'a str,
}

#[derive(Deserialize)]
struct BatchResponse {
    results: Vec<BatchResult>,
}

#[derive(Deserialize)]
struct BatchResult {
    vulns: Option<Vec<VulnId>>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct VulnId {
    id: String,
}

/// What is known about one distinct query.
#[derive(Default)]
struct Answer {
    ids: BTreeSet<String>,
    error: Option<String>,
}

/// Asks the API about every query; one lookup per query, in order.
pub fn lookup(http: &dyn Http, settings: &ApiSettings, queries: &[Query<'_>]) -> Vec<Lookup> {
    let distinct: Vec<&Query<'_>> = queries
        .iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut answers: Vec<Answer> = distinct.iter().map(|_| Answer::default()).collect();
    ask_batches(http, settings, &distinct, &mut answers);
    let ids: BTreeSet<&str> = answers
        .iter()
        .flat_map(|a| a.ids.iter().map(String::as_str))
        .collect();
    let records: BTreeMap<&str, Result<Option<Record>, String>> = ids
        .into_par_iter()
        .map(|id| (id, fetch(http, settings, id)))
        .collect();
    let by_query: BTreeMap<&Query<'_>, Lookup> = distinct
        .iter()
        .zip(&answers)
        .map(|(q, a)| (*q, judge_answer(q, a, &records)))
        .collect();
    queries
        .iter()
        .map(|q| {
            by_query.get(q).cloned().unwrap_or(Lookup::Unknown {
                reason: "not asked".into(),
            })
        })
        .collect()
}

fn judge_answer(
    query: &Query<'_>,
    answer: &Answer,
    records: &BTreeMap<&str, Result<Option<Record>, String>>,
) -> Lookup {
    let mut matched: Vec<Match<'_>> = Vec::new();
    let mut problem = answer.error.clone();
    for id in &answer.ids {
        match records.get(id.as_str()) {
            Some(Ok(Some(record))) => matched.push((record, None)),
            Some(Ok(None)) => {}
            Some(Err(why)) => {
                problem.get_or_insert_with(|| why.clone());
            }
            None => {
                problem.get_or_insert_with(|| format!("{id}: not fetched"));
            }
        }
    }
    match (matched.is_empty(), problem) {
        (true, Some(reason)) => Lookup::Unknown {
            reason: reason.into(),
        },
        (true, None) => Lookup::Absent,
        (false, incomplete) => Lookup::Present {
            advisories: merge::merge(query.name, &matched),
            incomplete,
        },
    }
}

fn ask_batches(
    http: &dyn Http,
    settings: &ApiSettings,
    queries: &[&Query<'_>],
    answers: &mut [Answer],
) {
    let url = match settings.endpoint(&["v1", "querybatch"]) {
        Ok(u) => u,
        Err(why) => {
            for a in answers.iter_mut() {
                a.error = Some(why.clone());
            }
            return;
        }
    };
    // Each round asks for the next page of the queries that have one.
    let mut pending: Vec<(usize, Option<String>)> = (0..queries.len()).map(|i| (i, None)).collect();
    let mut page = 0;
    while !pending.is_empty() {
        page += 1;
        if page > settings.max_pages {
            for (i, _) in &pending {
                if let Some(a) = answers.get_mut(*i) {
                    a.error = Some(format!(
                        "{url}: more than {} pages of results",
                        settings.max_pages
                    ));
                }
            }
            return;
        }
        let mut next = Vec::new();
        for chunk in pending.chunks(settings.batch_size.max(1)) {
            match ask(http, settings, &url, queries, chunk) {
                Ok(results) => {
                    for ((i, _), result) in chunk.iter().zip(results) {
                        let Some(answer) = answers.get_mut(*i) else {
                            continue;
                        };
                        answer
                            .ids
                            .extend(result.vulns.unwrap_or_default().into_iter().map(|v| v.id));
                        if let Some(token) = result.next_page_token.filter(|t| !t.is_empty()) {
                            next.push((*i, Some(token)));
                        }
                    }
                }
                Err(why) => {
                    for (i, _) in chunk {
                        if let Some(a) = answers.get_mut(*i) {
                            a.error = Some(why.clone());
                        }
                    }
                }
            }
        }
        pending = next;
    }
}

fn ask(
    http: &dyn Http,
    settings: &ApiSettings,
    url: &Url,
    queries: &[&Query<'_>],
    chunk: &[(usize, Option<String>)],
) -> Result<Vec<BatchResult>, String> {
    let body = BatchRequest {
        queries: chunk
            .iter()
            .filter_map(|(i, token)| {
                let q = queries.get(*i)?;
                Some(QueryBody {
                    package: PackageBody {
                        name: q.name,
                        ecosystem: NPM,
                    },
                    version: q.version,
                    page_token: token.as_deref(),
                })
            })
            .collect(),
    };
    let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
    let bytes = send(http, settings, Method::Post, url, Some(&body))?;
    let parsed: BatchResponse = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{url}: not a querybatch answer: {e}"))?;
    if parsed.results.len() != chunk.len() {
        return Err(format!(
            "{url}: {} results for {} queries",
            parsed.results.len(),
            chunk.len()
        ));
    }
    Ok(parsed.results)
}

/// The full record of `id`; `None` when it is withdrawn.
fn fetch(http: &dyn Http, settings: &ApiSettings, id: &str) -> Result<Option<Record>, String> {
    let url = settings.endpoint(&["v1", "vulns", id])?;
    let bytes = send(http, settings, Method::Get, &url, None)?;
    match osv::parse(&bytes) {
        Ok(Parsed::Npm(record)) if record.id == id => Ok(Some(record)),
        Ok(Parsed::Withdrawn { id: got }) if got == id => Ok(None),
        Ok(Parsed::OtherEcosystems { .. }) => {
            Err(format!("{url}: the record names no npm package"))
        }
        Ok(_) => Err(format!("{url}: the server sent another record")),
        Err(e) => Err(format!("{url}: {e}")),
    }
}

fn send(
    http: &dyn Http,
    settings: &ApiSettings,
    method: Method,
    url: &Url,
    body: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let response = http
        .send(&Request {
            method,
            url,
            headers: vec![("Accept", "application/json".into())],
            body,
        })
        .map_err(|e| e.to_string())?;
    if response.status != 200 {
        return Err(format!("{url}: HTTP {}", response.status));
    }
    let mut bytes = Vec::new();
    response
        .body
        .take(settings.max_body + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{url}: reading the answer: {e}"))?;
    if bytes.len() as u64 > settings.max_body {
        return Err(format!(
            "{url}: answer larger than {} bytes",
            settings.max_body
        ));
    }
    Ok(bytes)
}
