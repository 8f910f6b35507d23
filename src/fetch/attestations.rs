//! Attestation bodies (`/-/npm/v1/attestations/<name>@<version>`), fetched
//! from the configured registry only and cached by the sha512 they must be
//! about: published bytes never get other attestations, and a cached body
//! is verified again on every run.

use std::io::Read as _;

use url::Url;

use super::RegistrySource;
use crate::evidence::source::{AttestationKey, AttestationsOutcome};
use crate::registry::cache::Cached;
use crate::registry::client::{BodyError, FetchError};

/// Cache kind of attestation bodies, keyed by the integrity they are for.
const ATTESTATIONS: &str = "attestations";
/// Largest attestations body accepted.
const ATTESTATIONS_LIMIT: u64 = 4 * 1024 * 1024;

/// The attestations URL under the configured registry. Only the part of
/// the version document's `url` from `-/npm/v1/attestations/` on is used,
/// so a tampered document cannot point lockproof (and its credentials) at
/// another host.
pub fn attestations_url(registry: &Url, pointer: &str) -> Option<Url> {
    const MARK: &str = "-/npm/v1/attestations/";
    let start = pointer.find(MARK)?;
    let rest = pointer.get(start..)?;
    if rest.contains(['?', '#']) {
        return None;
    }
    // The parser resolves `..` and `%2e%2e` alike: judge the result, which
    // must still lie under the registry's attestations path.
    let url = registry.join(rest).ok()?;
    let prefix = format!("{}{MARK}", registry.path());
    (url.origin() == registry.origin() && url.path().starts_with(&prefix)).then_some(url)
}

impl RegistrySource<'_> {
    pub(super) fn attestation(&self, key: &AttestationKey, pointer: &str) -> AttestationsOutcome {
        let cache_key = format!(
            "{}\n{}@{}\n{}",
            key.registry, key.name, key.version, key.sha512
        );
        // A body is verified again on every run, bound to the sha512 and
        // package URL it must name; a record filed under another registry
        // is refetched all the same.
        if let Some(c) = self
            .cache
            .as_ref()
            .and_then(|c| c.read::<String>(ATTESTATIONS, &cache_key))
            .filter(|c| Url::parse(&c.url).is_ok_and(|u| u.origin() == key.registry.origin()))
        {
            return AttestationsOutcome::Served(c.value);
        }
        let Some(client) = &self.client else {
            return AttestationsOutcome::NotCached;
        };
        let Some(url) = attestations_url(&key.registry, pointer) else {
            return AttestationsOutcome::Failed(format!(
                "the version document's attestations URL {pointer:?} is not an npm attestations path"
            ));
        };
        // Real attestation bodies are tens of kilobytes; the general
        // response limit (hundreds of megabytes, for packuments) is far too
        // generous for something parsed whole and verified.
        let read = |r: &mut dyn std::io::Read| {
            let mut body = Vec::new();
            r.take(ATTESTATIONS_LIMIT + 1)
                .read_to_end(&mut body)
                .map_err(BodyError::Io)?;
            if body.len() as u64 > ATTESTATIONS_LIMIT {
                return Err(BodyError::Invalid(format!(
                    "attestations body larger than {ATTESTATIONS_LIMIT} bytes"
                )));
            }
            let parsed: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| BodyError::Invalid(format!("attestations body is not JSON: {e}")))?;
            if !parsed["attestations"].is_array() {
                return Err(BodyError::Invalid(
                    "attestations body has no `attestations` list".into(),
                ));
            }
            Ok(body)
        };
        match client
            .get_with(&url, "application/json", None, None, &read)
            .map(|r| r.body.unwrap_or_default())
        {
            Ok(body) => match String::from_utf8(body) {
                Ok(text) => {
                    if let Some(cache) = &self.cache {
                        let entry = Cached {
                            url: url.to_string(),
                            etag: None,
                            last_modified: None,
                            fetched_at: self.now,
                            max_age: None,
                            value: text.clone(),
                        };
                        let _ = cache.write(ATTESTATIONS, &cache_key, &entry);
                    }
                    AttestationsOutcome::Served(text)
                }
                Err(_) => AttestationsOutcome::Failed(format!("{url}: body is not UTF-8")),
            },
            Err(FetchError::NotFound { .. }) => AttestationsOutcome::NotFound,
            Err(e) => AttestationsOutcome::Failed(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attestation_urls_keep_only_the_npm_path_under_the_configured_registry() {
        let r = Url::parse("https://mirror.example.com/npm/").unwrap();
        assert_eq!(
            attestations_url(
                &r,
                "https://evil.example/-/npm/v1/attestations/@s%2fp@1.0.0"
            )
            .unwrap()
            .as_str(),
            "https://mirror.example.com/npm/-/npm/v1/attestations/@s%2fp@1.0.0"
        );
        assert_eq!(attestations_url(&r, "https://x/other/path"), None);
        assert_eq!(attestations_url(&r, "/-/npm/v1/attestations/../../x"), None);
        assert_eq!(
            attestations_url(
                &r,
                "/-/npm/v1/attestations/%2e%2e/%2E%2E/%2e%2e/%2e%2e/other"
            ),
            None
        );
        assert_eq!(attestations_url(&r, "/-/npm/v1/attestations/a@1?x=y"), None);
    }
}
