//! Findings: what a check reports, and the catalogue of finding codes.
//!
//! Every code has a stable kebab-case name, a default severity, a one-line
//! description and a documentation page (`docs/codes/<code>.md`, embedded
//! here so `lockproof explain` prints the same text).

use std::fmt;

use serde::{Serialize, Serializer};

/// How bad a finding is. Ordered: `Info < Low < … < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing, no action needed.
    Info,
    /// Review when convenient.
    Low,
    /// Review before merging.
    Medium,
    /// Likely a real risk.
    High,
    /// Tampering or an exploitable state.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] = [
        Self::Critical,
        Self::High,
        Self::Medium,
        Self::Low,
        Self::Info,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// Parses a lowercase name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Severity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

macro_rules! codes {
    ($($variant:ident => $name:literal, $severity:ident, $desc:literal;)+) => {
        /// A finding code. Names are stable: configurations refer to them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = $desc]
                $variant,
            )+
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name),+ }
            }

            /// The severity a finding gets unless policy says otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity),+ }
            }

            /// One line saying what the code means.
            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => $desc),+ }
            }

            /// The documentation page (Markdown), as in `docs/codes/`.
            pub fn doc(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!("../docs/codes/", $name, ".md"))),+
                }
            }
        }
    };
}

codes! {
    IntegrityMissing => "integrity-missing", High,
        "The entry has no integrity hash, so the downloaded bytes cannot be checked.";
    IntegrityWeak => "integrity-weak", Medium,
        "The strongest integrity hash is SHA-1, for which collisions are practical.";
    IntegrityMalformed => "integrity-malformed", High,
        "The integrity string is present but cannot be used.";
    InsecureUrl => "insecure-url", High,
        "The entry is downloaded over an unauthenticated protocol (http: or git://).";
    HostNotAllowed => "host-not-allowed", High,
        "The entry is downloaded from a host that is not on the allowed list.";
    UrlCredentials => "url-credentials", High,
        "The resolved URL embeds a user name, password or token.";
    TarballNameMismatch => "tarball-name-mismatch", Critical,
        "The registry tarball URL names another package or version than the entry.";
    GitSource => "git-source", Medium,
        "The entry installs from a git repository, outside the registry's guarantees.";
    RemoteTarballSource => "remote-tarball-source", Medium,
        "The entry installs a tarball from an arbitrary URL.";
    LocalFileSource => "local-file-source", Low,
        "The entry installs a tarball from the local disk.";
    InstallScript => "install-script", Low,
        "The entry runs install scripts when it is installed.";
    LockfileOldFormat => "lockfile-old-format", Medium,
        "The lockfile uses an old format that records less than npm 7+ does.";
    DuplicateKey => "duplicate-key", High,
        "A JSON key appears twice in one object; parsers disagree on which wins.";
    InvalidPackageName => "invalid-package-name", High,
        "A package name or install folder is not a valid npm package name.";
    UnverifiableSource => "unverifiable-source", High,
        "Where npm would fetch the entry from cannot be told from the lockfile.";
    RegistryIntegrityMismatch => "registry-integrity-mismatch", Critical,
        "The lockfile's integrity differs from the one the registry publishes.";
    VersionNotFound => "version-not-found", High,
        "The registry does not have the locked version (or the package).";
    SecurityPlaceholder => "security-placeholder", Critical,
        "The locked version is npm's security placeholder: the package was removed as malicious.";
    StagePlaceholder => "stage-placeholder", Critical,
        "The locked version is npm's staged-publishing placeholder `0.0.0-stage`: the package has no approved release.";
    Deprecated => "deprecated", Low,
        "The locked version is deprecated by its maintainers.";
    SignatureInvalid => "signature-invalid", Critical,
        "A registry signature by a known key does not verify.";
    SignatureUnknownKey => "signature-unknown-key", High,
        "The version is signed only by keys the registry does not list.";
    SignatureMissing => "signature-missing", High,
        "The registry signs versions, but this one carries no signature.";
    SignatureKeyExpired => "signature-key-expired", High,
        "The version is signed only by a key that had expired when it was published.";
    RegistrySignaturesStripped => "registry-signatures-stripped", High,
        "Answers under npm's public registry's name carry no signatures: something on the way rewrote them.";
    CredentialRefused => "credential-refused", High,
        "The project's .npmrc would send a value from the environment to a host nothing outside the repository names; it was not sent.";
    FetchFailed => "fetch-failed", Medium,
        "What the registry says about the entry could not be fetched; its evidence is unknown.";
    ProvenanceInvalid => "provenance-invalid", Critical,
        "The version's SLSA provenance attestation does not verify.";
    ProvenanceSubjectMismatch => "provenance-subject-mismatch", Critical,
        "A verified attestation is about another package or other bytes than the lockfile's.";
    PublishAttestationInvalid => "publish-attestation-invalid", High,
        "The version's npm publish attestation does not verify.";
    ProvenanceAbsent => "provenance-absent", Info,
        "The version has no provenance attestation on a registry that serves them.";
    ProvenanceRepositoryMismatch => "provenance-repository-mismatch", Medium,
        "The provenance was built from another repository than the package's `repository` field.";
    IntegrityChanged => "integrity-changed", High,
        "Diff mode: the same version now pins other bytes than the base lockfile did, or none.";
    TrustDowngrade => "trust-downgrade", High,
        "The version has less evidence than an earlier release of the package claimed (verified, or as the registry claims it when nothing can be verified).";
    TrustBelowRequired => "trust-below-required", High,
        "The version's verified trust level is below what the policy requires for the package.";
    ApproverChanged => "approver-changed", Medium,
        "The staged publish was approved by another maintainer than the previous release's.";
    PublisherChanged => "publisher-changed", Low,
        "Another npm account published this version than the previous release.";
    IdentityDrift => "identity-drift", Medium,
        "The verified provenance names another source repository, workflow or CI provider than the previous release's.";
    ReleaseTooNew => "release-too-new", Medium,
        "The version was published more recently than the minimum release age (lockproof.toml's, else npm's).";
    PackageTooNew => "package-too-new", Medium,
        "The package itself was first published more recently than the minimum package age.";
    TarballIntegrityMismatch => "tarball-integrity-mismatch", Critical,
        "The downloaded tarball's bytes do not match the lockfile's integrity.";
    TarballDownloadFailed => "tarball-download-failed", Medium,
        "The tarball could not be downloaded; its bytes are unverified.";
    TarballUnsafe => "tarball-unsafe", High,
        "The tarball is not a safe archive: paths or links leaving the package, special files, a gzip bomb, or a malformed archive.";
    ManifestMismatch => "manifest-mismatch", High,
        "The tarball's package.json names another package or version than the entry, or is missing, malformed or duplicated.";
    UndeclaredInstallScript => "undeclared-install-script", High,
        "The tarball runs install scripts (or node-gyp) that the lockfile's hasInstallScript does not show.";
    ManifestDependenciesMismatch => "manifest-dependencies-mismatch", High,
        "The tarball's package.json declares other dependencies than the registry's version document.";
    ProvenanceUntrustedBuild => "provenance-untrusted-build", Low,
        "The provenance was signed by a non-CI identity, built from a ref that is not a tag or main branch, or on a self-hosted runner.";
    KnownMalicious => "known-malicious", Critical,
        "An advisory database lists the locked version as malware (an OpenSSF MAL- record, or an advisory aliased to one).";
    VulnerableVersion => "vulnerable-version", High,
        "A published advisory affects the locked version; the finding has the advisory's severity (high when it states none).";
    InstallScriptBlocked => "install-script-blocked", Info,
        "The entry has install scripts that the installer will not run (npm 12's allowScripts, ignore-scripts).";
    InstallScriptChanged => "install-script-changed", Medium,
        "Diff mode: an entry whose install scripts will run was added or changed.";
    SourceRefused => "source-refused", Low,
        "The installer refuses the entry's source (allow-git, allow-remote, allow-file, allow-directory): the install fails there.";
    ShrinkwrapIgnored => "shrinkwrap-ignored", Low,
        "npm 12 does not read npm-shrinkwrap.json: the file is not what installs.";
}

impl Code {
    /// Looks a code up by its kebab-case name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Serializes counts per code as a JSON object ordered by code name, the
/// order a reader looks names up in.
pub fn serialize_code_counts<S: Serializer>(
    counts: &std::collections::BTreeMap<Code, usize>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut by_name: Vec<(&str, usize)> = counts.iter().map(|(c, n)| (c.as_str(), *n)).collect();
    by_name.sort_unstable();
    s.collect_map(by_name)
}

/// The package a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PackageRef {
    /// Registry name (untrusted text: renderers escape it).
    pub name: String,
    /// Version, when known.
    pub version: Option<String>,
    /// Install path in the lockfile.
    pub path: String,
}

/// Where in which file a finding points.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The lockfile, as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

impl Location {
    /// Line `line` of the file at `path`, named as `Path::display` writes
    /// it (invalid UTF-8 as U+FFFD) but without its formatting machinery:
    /// every finding of an entry carries one.
    pub fn at(path: &std::path::Path, line: u32) -> Self {
        Self {
            file: path.to_string_lossy().into_owned(),
            line,
        }
    }
}

/// One problem found by a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of problem.
    pub code: Code,
    /// How bad (the code's default unless policy changed it).
    pub severity: Severity,
    /// The entry concerned; `None` for findings about the whole file.
    pub package: Option<PackageRef>,
    /// What was found, in one sentence (may quote untrusted text).
    pub message: String,
    /// Where.
    pub location: Location,
    /// The advisory the finding reports, for ignores by advisory id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory: Option<AdvisoryIds>,
}

/// The ids an advisory finding answers to: the one it is reported under,
/// and its aliases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvisoryIds {
    /// The id reported (`MAL-…`, `GHSA-…`, …).
    pub id: String,
    /// Its other ids (a GHSA's CVE, …).
    pub aliases: Vec<String>,
}

impl Finding {
    /// A finding with the code's default severity.
    pub fn new(
        code: Code,
        package: Option<PackageRef>,
        message: String,
        location: Location,
    ) -> Self {
        Self {
            code,
            severity: code.default_severity(),
            package,
            message,
            location,
            advisory: None,
        }
    }

    /// The order reports use: most severe first, then by file, line, code.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.severity),
            &self.location,
            self.code,
            &self.package,
            &self.message,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn locations_name_files_as_display_does() {
        use std::os::unix::ffi::OsStrExt;
        for raw in [
            &b"lock/package-lock.json"[..],
            b"a\xffb/\xc3(/\xe2\x82",
            b"\xf0\x9f\x98\x80/x",
        ] {
            let path = std::path::Path::new(std::ffi::OsStr::from_bytes(raw));
            assert_eq!(Location::at(path, 3).file, path.display().to_string());
        }
    }

    #[test]
    fn code_names_round_trip_and_are_kebab_case() {
        for &code in Code::ALL {
            assert_eq!(Code::from_name(code.as_str()), Some(code));
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-')
            );
            assert!(
                code.doc().starts_with(&format!("# {}\n", code.as_str())),
                "docs/codes/{code}.md must start with its title"
            );
        }
        assert_eq!(Code::from_name("nope"), None);
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        assert_eq!(Severity::from_name("medium"), Some(Severity::Medium));
        assert_eq!(Severity::from_name("MEDIUM"), None);
    }
}
