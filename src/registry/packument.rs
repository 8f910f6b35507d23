//! What lockproof keeps of a packument: a compact record of the locked
//! versions, and what the package's history says about each of them (the
//! trust ladder's baseline candidates and previous release, and when the
//! package was first published).
//!
//! Full packuments of popular packages run to megabytes (every version's
//! whole `package.json`), and `_npmUser` and `time` are only in the full
//! one. The document is read in one streaming pass that deserializes the
//! wanted versions, a handful of trust fields of every other version, and
//! skips everything else, so the whole packument never sits in memory as
//! a tree.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::signatures::Signature;
use crate::trust;

/// `dist.attestations`: where the version's Sigstore bundles are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationsRef {
    /// The URL the registry gives (only its path is used).
    pub url: String,
    /// `provenance.predicateType`, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance_predicate: Option<String>,
    /// Whether `provenance` is there at all: what the trust ladder ranks
    /// by, as pnpm does (an attestation without it is npm's publish
    /// attestation alone).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub provenance: bool,
}

/// A person named in `_npmUser` (`approver` of a staged publish).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// npm user name.
    #[serde(default)]
    pub name: String,
    /// Email, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `_npmUser.trustedPublisher`: the version was published by OIDC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedPublisher {
    /// Provider (`github`, `gitlab`, …).
    #[serde(default)]
    pub id: String,
    /// npm's id of the trusted-publisher configuration.
    #[serde(
        default,
        rename = "oidcConfigId",
        skip_serializing_if = "Option::is_none"
    )]
    pub oidc_config_id: Option<String>,
}

/// `_npmUser`: who (or what) published the version. Registry-asserted and
/// unsigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpmUser {
    /// Account name (`GitHub Actions` for trusted publishing).
    #[serde(default)]
    pub name: String,
    /// Account email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Set for trusted (OIDC) publishes.
    #[serde(
        default,
        rename = "trustedPublisher",
        skip_serializing_if = "Option::is_none"
    )]
    pub trusted_publisher: Option<TrustedPublisher>,
    /// Set when a staged publish was approved (with 2FA) by a maintainer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<Person>,
}

/// What lockproof keeps of one version document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRecord {
    /// `dist.integrity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// `dist.shasum` (hex SHA-1), the only hash of very old versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shasum: Option<String>,
    /// `dist.tarball`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tarball: Option<String>,
    /// `dist.signatures`; `None` when the field is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<Vec<Signature>>,
    /// `dist.attestations`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestations: Option<AttestationsRef>,
    /// `_npmUser`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npm_user: Option<NpmUser>,
    /// `repository` (its URL), as the package declares it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// `time[version]`, as the registry wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// `deprecated`: the deprecation message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// Install-time scripts the version declares (`preinstall`, `install`,
    /// `postinstall`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub install_scripts: Vec<String>,
    /// What the package's earlier releases claim (the trust ladder).
    #[serde(default)]
    pub history: trust::History,
    /// The dependencies the version document declares, to compare with
    /// the tarball's own `package.json` (manifest confusion).
    #[serde(default)]
    pub dependencies: Dependencies,
}

/// Dependency maps of a manifest, name to spec. A spec that is not a
/// string is kept as its JSON text, so that it still compares unequal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependencies {
    /// `dependencies`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependencies: BTreeMap<String, String>,
    /// `optionalDependencies`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub optional: BTreeMap<String, String>,
    /// `peerDependencies`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub peer: BTreeMap<String, String>,
}

/// The versions of one package that are wanted, each once, in byte order
/// (as a `BTreeSet<String>` would iterate them). A package is nearly always
/// wanted at one version: a sorted list of borrowed texts costs a few bytes
/// where a B-tree set allocates a node of about 290 bytes per package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions<'v>(Vec<&'v str>);

impl<'v> Versions<'v> {
    /// Whether `version` is wanted.
    pub fn contains(&self, version: &str) -> bool {
        self.0.binary_search(&version).is_ok()
    }

    /// The wanted versions, in byte order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'v str> + '_ {
        self.0.iter().copied()
    }
}

/// Sorted and deduplicated once, whatever the order and repeats of the
/// list: O(n log n) however many versions a lockfile lists.
impl<'v> From<Vec<&'v str>> for Versions<'v> {
    fn from(mut list: Vec<&'v str>) -> Self {
        list.sort_unstable();
        list.dedup();
        Self(list)
    }
}

impl<'v> FromIterator<&'v str> for Versions<'v> {
    fn from_iter<I: IntoIterator<Item = &'v str>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<_>>())
    }
}

/// What lockproof keeps of one packument: the wanted versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRecord {
    /// The packument's `name`.
    pub name: String,
    /// Records of the wanted versions that exist.
    pub versions: BTreeMap<String, VersionRecord>,
    /// Wanted versions the packument does not list.
    pub missing: BTreeSet<String>,
    /// Whether the packument has a `time` object (abbreviated ones and
    /// some mirrors do not).
    pub has_time: bool,
}

impl VersionRecord {
    /// The trust-relevant fields of this version document.
    pub fn trust_fields(&self) -> trust::Fields {
        let user = self.npm_user.as_ref();
        trust::Fields {
            signed: self.signatures.as_ref().is_some_and(|s| !s.is_empty()),
            attestations: self.attestations.is_some(),
            provenance: self.attestations.as_ref().is_some_and(|a| a.provenance),
            trusted_publisher: user.is_some_and(|u| u.trusted_publisher.is_some()),
            publisher: user.map(|u| u.name.clone()),
            approver: user.and_then(|u| u.approver.as_ref().map(|a| a.name.clone())),
            integrity: self.integrity.clone(),
        }
    }
}

impl PackageRecord {
    /// Whether this record answers for `version` (present or known absent).
    pub fn covers(&self, version: &str) -> bool {
        self.versions.contains_key(version) || self.missing.contains(version)
    }
}

/// Reads a packument body, keeping only `wanted` versions.
pub fn extract(body: &[u8], wanted: &Versions) -> Result<PackageRecord, serde_json::Error> {
    extract_from(body, wanted)
}

/// Reads a packument as it streams in, keeping only `wanted` versions.
pub fn extract_from(
    reader: impl std::io::Read,
    wanted: &Versions,
) -> Result<PackageRecord, serde_json::Error> {
    let mut de =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(64 * 1024, reader));
    let mut record = PackageSeed { wanted }.deserialize(&mut de)?;
    de.end()?;
    record.missing = wanted
        .iter()
        .filter(|v| !record.versions.contains_key(*v))
        .map(str::to_owned)
        .collect();
    Ok(record)
}

struct PackageSeed<'w> {
    wanted: &'w Versions<'w>,
}

impl<'de> DeserializeSeed<'de> for PackageSeed<'_> {
    type Value = PackageRecord;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<PackageRecord, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PackageSeed<'_> {
    type Value = PackageRecord;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a packument object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PackageRecord, A::Error> {
        let mut record = PackageRecord::default();
        let mut times: BTreeMap<String, String> = BTreeMap::new();
        let mut fields: Vec<(String, trust::Fields)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => record.name = map.next_value()?,
                "versions" => {
                    let (docs, all) = map.next_value_seed(VersionsSeed {
                        wanted: self.wanted,
                    })?;
                    fields = all;
                    record.versions = docs;
                }
                "time" => {
                    // Every version's time: the history needs them all.
                    let all: BTreeMap<String, serde_json::Value> = map.next_value()?;
                    times = all
                        .into_iter()
                        .filter_map(|(k, v)| Some((k, v.as_str()?.to_owned())))
                        .collect();
                    record.has_time = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let releases: Vec<trust::Release<'_>> = fields
            .iter()
            .filter_map(|(v, f)| Some((v.as_str(), times.get(v)?.as_str(), f)))
            .collect();
        let releases = trust::Releases::new(&releases);
        // `time.created` when it reads as a time, else the earliest
        // version's time.
        let first_published = times
            .get("created")
            .filter(|t| t.parse::<jiff::Timestamp>().is_ok())
            .map(String::as_str)
            .or_else(|| releases.earliest())
            .map(str::to_owned);
        for (version, rec) in &mut record.versions {
            rec.published = times.get(version).cloned();
            rec.history = releases.history(version, rec.published.as_deref());
            rec.history.first_published = first_published.clone();
        }
        Ok(record)
    }
}

/// Reads `versions`: wanted versions in full, every version's trust
/// fields (small), the rest skipped.
struct VersionsSeed<'w> {
    wanted: &'w Versions<'w>,
}

type VersionDocs = (
    BTreeMap<String, VersionRecord>,
    Vec<(String, trust::Fields)>,
);

impl<'de> DeserializeSeed<'de> for VersionsSeed<'_> {
    type Value = VersionDocs;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<VersionDocs, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for VersionsSeed<'_> {
    type Value = VersionDocs;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map keyed by version")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<VersionDocs, A::Error> {
        let mut docs = BTreeMap::new();
        let mut all = Vec::new();
        while let Some(version) = map.next_key::<String>()? {
            if self.wanted.contains(&version) {
                let record = map.next_value::<VersionDoc>()?.into_record();
                all.push((version.clone(), record.trust_fields()));
                docs.insert(version, record);
            } else {
                let doc: HistoryDoc = map.next_value()?;
                all.push((version, doc.into_trust_fields()));
            }
        }
        Ok((docs, all))
    }
}

/// The trust fields of a version lockproof does not audit.
#[derive(Deserialize)]
struct HistoryDoc {
    #[serde(default)]
    dist: HistoryDist,
    #[serde(default, rename = "_npmUser")]
    npm_user: Option<HistoryUser>,
}

#[derive(Deserialize, Default)]
struct HistoryDist {
    #[serde(default)]
    integrity: Option<String>,
    #[serde(default)]
    signatures: Option<Vec<IgnoredAny>>,
    #[serde(default)]
    attestations: Option<HistoryAttestations>,
}

/// `dist.attestations` of a version lockproof does not audit: only
/// whether `provenance` is there. Any JSON is accepted, so that a
/// malformed value in one old version does not make the whole packument
/// unreadable, and nothing else is kept.
struct HistoryAttestations {
    provenance: bool,
}

impl<'de> Deserialize<'de> for HistoryAttestations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AttestationsVisitor)
    }
}

struct AttestationsVisitor;

/// Anything but an object has no `provenance`.
macro_rules! no_provenance {
    ($($visit:ident: $t:ty),+) => {
        $(fn $visit<E>(self, _: $t) -> Result<HistoryAttestations, E> {
            Ok(HistoryAttestations { provenance: false })
        })+
    };
}

impl<'de> Visitor<'de> for AttestationsVisitor {
    type Value = HistoryAttestations;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("dist.attestations")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut provenance = false;
        while let Some(key) = map.next_key::<AttestationsKey>()? {
            match key {
                AttestationsKey::Provenance => provenance = map.next_value::<Presence>()?.0,
                AttestationsKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(HistoryAttestations { provenance })
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(HistoryAttestations { provenance: false })
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(HistoryAttestations { provenance: false })
    }

    no_provenance!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum AttestationsKey {
    Provenance,
    #[serde(other)]
    Other,
}

/// Whether a value is there, as [`has_provenance`] judges it: `null` and
/// `false` are not; anything else is, and is skipped unread.
struct Presence(bool);

impl<'de> Deserialize<'de> for Presence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PresenceVisitor).map(Presence)
    }
}

struct PresenceVisitor;

impl<'de> Visitor<'de> for PresenceVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_none<E>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_bool<E>(self, b: bool) -> Result<bool, E> {
        Ok(b)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        IgnoredAny.visit_map(map).map(|_| true)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| true)
    }

    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(true)
    }
}

#[derive(Deserialize)]
struct HistoryUser {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "trustedPublisher")]
    trusted_publisher: Option<IgnoredAny>,
    #[serde(default)]
    approver: Option<Person>,
}

impl HistoryDoc {
    fn into_trust_fields(self) -> trust::Fields {
        let user = self.npm_user;
        trust::Fields {
            signed: self.dist.signatures.is_some_and(|s| !s.is_empty()),
            provenance: self
                .dist
                .attestations
                .as_ref()
                .is_some_and(|a| a.provenance),
            attestations: self.dist.attestations.is_some(),
            trusted_publisher: user.as_ref().is_some_and(|u| u.trusted_publisher.is_some()),
            approver: user
                .as_ref()
                .and_then(|u| u.approver.as_ref().map(|a| a.name.clone())),
            publisher: user.and_then(|u| u.name),
            integrity: self.dist.integrity,
        }
    }
}

/// The fields of a version document lockproof reads.
#[derive(Deserialize)]
struct VersionDoc {
    #[serde(default)]
    dist: Dist,
    #[serde(default, rename = "_npmUser")]
    npm_user: Option<NpmUser>,
    #[serde(default, deserialize_with = "deprecation")]
    deprecated: Option<String>,
    #[serde(default)]
    scripts: BTreeMap<String, IgnoredString>,
    #[serde(default)]
    repository: Option<Repository>,
    // Read as any JSON, so that a malformed map in one version document
    // does not make the whole packument unreadable.
    #[serde(default)]
    dependencies: Option<serde_json::Value>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: Option<serde_json::Value>,
    #[serde(default, rename = "peerDependencies")]
    peer_dependencies: Option<serde_json::Value>,
}

/// `repository` is a URL string or `{type, url, directory}`; anything else
/// is not a repository lockproof can compare.
#[derive(Deserialize)]
#[serde(untagged)]
enum Repository {
    Url(String),
    Object { url: Option<String> },
    Other(IgnoredAny),
}

#[derive(Deserialize, Default)]
struct Dist {
    integrity: Option<String>,
    shasum: Option<String>,
    tarball: Option<String>,
    signatures: Option<Vec<Signature>>,
    attestations: Option<RawAttestations>,
}

#[derive(Deserialize)]
struct RawAttestations {
    url: String,
    #[serde(default)]
    provenance: Option<serde_json::Value>,
}

/// Whether `dist.attestations.provenance` counts as present: any value
/// but `null` (pnpm tests it for truthiness; npm writes an object).
fn has_provenance(value: Option<&serde_json::Value>) -> bool {
    value.is_some_and(|v| !matches!(v, serde_json::Value::Null | serde_json::Value::Bool(false)))
}

/// A script body: only its presence matters, and scripts are not always
/// strings in the wild.
struct IgnoredString;

impl<'de> Deserialize<'de> for IgnoredString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| IgnoredString)
    }
}

/// `deprecated` is a message; `false` or `""` mean "not deprecated".
fn deprecation<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s),
        serde_json::Value::Bool(true) => Some(String::from("deprecated")),
        _ => None,
    })
}

/// Scripts npm runs at install time.
const INSTALL_SCRIPTS: [&str; 3] = ["preinstall", "install", "postinstall"];

impl VersionDoc {
    fn into_record(self) -> VersionRecord {
        VersionRecord {
            integrity: self.dist.integrity,
            shasum: self.dist.shasum,
            tarball: self.dist.tarball,
            signatures: self.dist.signatures,
            attestations: self.dist.attestations.map(|a| AttestationsRef {
                url: a.url,
                provenance: has_provenance(a.provenance.as_ref()),
                provenance_predicate: a
                    .provenance
                    .as_ref()
                    .and_then(|p| p.get("predicateType")?.as_str().map(str::to_owned)),
            }),
            npm_user: self.npm_user,
            repository: match self.repository {
                Some(Repository::Url(url) | Repository::Object { url: Some(url) }) => Some(url),
                _ => None,
            },
            published: None,
            deprecated: self.deprecated,
            install_scripts: INSTALL_SCRIPTS
                .iter()
                .filter(|s| self.scripts.contains_key(**s))
                .map(|s| s.to_string())
                .collect(),
            history: trust::History::default(),
            dependencies: Dependencies {
                dependencies: specs(self.dependencies),
                optional: specs(self.optional_dependencies),
                peer: specs(self.peer_dependencies),
            },
        }
    }
}

/// A dependency map; anything but an object reads as empty (the tarball
/// side reports a field of the wrong type itself).
fn specs(map: Option<serde_json::Value>) -> BTreeMap<String, String> {
    let Some(serde_json::Value::Object(map)) = map else {
        return BTreeMap::new();
    };
    map.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted<'v>(v: &[&'v str]) -> Versions<'v> {
        v.iter().copied().collect()
    }

    const DOC: &str = r#"{
      "_id": "demo", "name": "demo",
      "versions": {
        "1.0.0": {"name": "demo", "version": "1.0.0",
          "dist": {"integrity": "sha512-aaa", "shasum": "abc", "tarball": "https://r/demo/-/demo-1.0.0.tgz",
                   "signatures": [{"keyid": "SHA256:k", "sig": "MEUC"}]},
          "_npmUser": {"name": "alice", "email": "a@example.com"},
          "scripts": {"test": "x", "postinstall": "node x.js"}},
        "2.0.0": {"name": "demo", "version": "2.0.0",
          "dist": {"integrity": "sha512-bbb",
                   "attestations": {"url": "https://r/-/npm/v1/attestations/demo@2.0.0",
                                    "provenance": {"predicateType": "https://slsa.dev/provenance/v1"}}},
          "_npmUser": {"name": "GitHub Actions", "email": "npm-oidc-no-reply@github.com",
                       "trustedPublisher": {"id": "github", "oidcConfigId": "oidc:1"},
                       "approver": {"name": "bob", "email": "b@example.com"}},
          "deprecated": "use 3"},
        "3.0.0": {"dist": {"integrity": "sha512-ccc"}, "deprecated": false, "scripts": {"install": 5}}
      },
      "time": {"created": "2020-01-01T00:00:00.000Z", "1.0.0": "2020-01-02T00:00:00.000Z", "2.0.0": "2021-01-02T00:00:00.000Z"},
      "readme": "long text"
    }"#;

    #[test]
    fn wanted_versions_are_sorted_and_listed_once_whatever_the_order() {
        let v = wanted(&["2.0.0", "1.0.0", "2.0.0", "10.0.0", "1.0.0"]);
        // Byte order, as a `BTreeSet<String>` iterates.
        assert_eq!(v.iter().collect::<Vec<_>>(), ["1.0.0", "10.0.0", "2.0.0"]);
        assert!(v.contains("10.0.0") && v.contains("2.0.0"));
        assert!(!v.contains("3.0.0") && !v.contains(""));
        assert_eq!(wanted(&[]).iter().len(), 0);
    }

    #[test]
    fn keeps_only_wanted_versions_with_their_evidence() {
        let r = extract(DOC.as_bytes(), &wanted(&["1.0.0", "2.0.0", "9.9.9"])).unwrap();
        assert_eq!(r.name, "demo");
        assert_eq!(r.versions.len(), 2);
        assert_eq!(r.missing, BTreeSet::from(["9.9.9".to_string()]));
        assert!(r.has_time && r.covers("9.9.9") && !r.covers("3.0.0"));
        let v1 = &r.versions["1.0.0"];
        assert_eq!(v1.integrity.as_deref(), Some("sha512-aaa"));
        assert_eq!(v1.signatures.as_ref().unwrap()[0].keyid, "SHA256:k");
        assert_eq!(v1.published.as_deref(), Some("2020-01-02T00:00:00.000Z"));
        assert_eq!(v1.install_scripts, vec!["postinstall"]);
        let v2 = &r.versions["2.0.0"];
        assert_eq!(v2.signatures, None);
        assert_eq!(
            v2.attestations
                .as_ref()
                .unwrap()
                .provenance_predicate
                .as_deref(),
            Some("https://slsa.dev/provenance/v1")
        );
        let user = v2.npm_user.as_ref().unwrap();
        assert_eq!(user.trusted_publisher.as_ref().unwrap().id, "github");
        assert_eq!(user.approver.as_ref().unwrap().name, "bob");
        assert_eq!(v2.deprecated.as_deref(), Some("use 3"));
        assert!(v2.trust_fields().provenance);
        assert_eq!(
            v2.history.first_published.as_deref(),
            Some("2020-01-01T00:00:00.000Z"),
            "time.created"
        );
    }

    #[test]
    fn history_ranks_provenance_only_where_the_document_states_it() {
        let doc = r#"{"name": "p", "versions": {
            "1.0.0": {"dist": {"attestations": {"url": "u", "provenance": {"predicateType": "x"}}},
                      "_npmUser": {"name": "GitHub Actions", "trustedPublisher": {"id": "github"}}},
            "1.1.0": {"dist": {"attestations": {"url": "u"}},
                      "_npmUser": {"name": "GitHub Actions", "trustedPublisher": {"id": "github"}}},
            "1.2.0": {"dist": {"attestations": {"url": "u", "provenance": null}}},
            "1.3.0": {"dist": {"attestations": 7}},
            "1.4.0": {"dist": {}}
          },
          "time": {"1.0.0": "2026-01-01T00:00:00Z", "1.1.0": "2026-01-02T00:00:00Z",
                   "1.2.0": "2026-01-03T00:00:00Z", "1.3.0": "2026-01-04T00:00:00Z",
                   "1.4.0": "2026-01-05T00:00:00Z"}}"#;
        let r = extract(doc.as_bytes(), &wanted(&["1.1.0", "1.4.0"])).unwrap();
        let v = &r.versions["1.1.0"];
        assert!(!v.trust_fields().provenance && v.trust_fields().attestations);
        let levels: Vec<(String, trust::TrustLevel)> = r.versions["1.4.0"]
            .history
            .candidates
            .iter()
            .map(|e| (e.version.clone(), e.level))
            .collect();
        assert_eq!(
            levels,
            [
                ("1.0.0".to_string(), trust::TrustLevel::TrustedPublisher),
                ("1.3.0".to_string(), trust::TrustLevel::None),
            ],
            "1.1.0 to 1.3.0 claim no provenance: only the last of them is kept"
        );
        assert_eq!(
            v.history.first_published.as_deref(),
            Some("2026-01-01T00:00:00Z"),
            "no time.created: the earliest version"
        );
    }

    #[test]
    fn odd_but_valid_fields_are_tolerated() {
        let r = extract(DOC.as_bytes(), &wanted(&["3.0.0"])).unwrap();
        let v3 = &r.versions["3.0.0"];
        assert_eq!(
            (v3.deprecated.as_ref(), v3.published.as_ref()),
            (None, None)
        );
        assert_eq!(v3.install_scripts, vec!["install"]);
    }

    #[test]
    fn broken_bodies_are_errors() {
        assert!(extract(b"{\"versions\": [", &wanted(&["1"])).is_err());
        assert!(extract(b"[]", &wanted(&["1"])).is_err());
        assert!(extract(b"{} trailing", &wanted(&["1"])).is_err());
        assert!(
            extract(
                b"{\"versions\": {\"1\": {\"dist\": {\"integrity\": 5}}}}",
                &wanted(&["1"])
            )
            .is_err()
        );
    }
}
