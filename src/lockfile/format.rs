//! Which package manager wrote a lockfile, in which format version, and
//! what that format does not record (so which checks cannot apply to it).

use std::fmt;

use serde::{Serialize, Serializer};

use super::LockfileVersion;

/// The package managers whose lockfiles lockproof reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    /// npm: `npm-shrinkwrap.json`, `package-lock.json`.
    Npm,
    /// pnpm: `pnpm-lock.yaml`.
    Pnpm,
    /// Yarn, classic (1.x) or Berry (2+): `yarn.lock`.
    Yarn,
    /// Bun: `bun.lock` (the binary `bun.lockb` is not read).
    Bun,
}

impl PackageManager {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Npm => "npm",
            Self::Pnpm => "pnpm",
            Self::Yarn => "yarn",
            Self::Bun => "bun",
        }
    }
}

impl fmt::Display for PackageManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `lockfileVersion` of a `pnpm-lock.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PnpmVersion {
    /// `5.3` (pnpm 6) and `5.4` (pnpm 7): keys `/name/version_peers`.
    V5 {
        /// The minor version, 3 or 4.
        minor: u8,
    },
    /// `6.0` and `6.1` (pnpm 8): keys `/name@version(peers)`.
    V6 {
        /// The minor version, 0 or 1.
        minor: u8,
    },
    /// `9.0` (pnpm 9 to 12): `packages` keyed `name@version`, peers and
    /// dependencies in `snapshots`.
    V9,
}

impl PnpmVersion {
    /// Reads a `lockfileVersion` as pnpm writes it (`'9.0'`, `5.4`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "5.3" => Some(Self::V5 { minor: 3 }),
            "5.4" => Some(Self::V5 { minor: 4 }),
            "6.0" => Some(Self::V6 { minor: 0 }),
            "6.1" => Some(Self::V6 { minor: 1 }),
            "9.0" => Some(Self::V9),
            _ => None,
        }
    }

    /// The versions lockproof reads, for messages.
    pub const SUPPORTED: &'static str = "5.3, 5.4, 6.0, 6.1 and 9.0";
}

impl fmt::Display for PnpmVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::V5 { minor } => write!(f, "5.{minor}"),
            Self::V6 { minor } => write!(f, "6.{minor}"),
            Self::V9 => f.write_str("9.0"),
        }
    }
}

/// Yarn Berry's `__metadata.version` values lockproof reads: Yarn 2 wrote
/// 4, Yarn 3 wrote 5 and 6, Yarn 4 writes 8 and later. They differ in what
/// lockproof does not read (descriptor spelling in dependency lists) and
/// in the checksum's cache key, which 4 to 6 keep in `__metadata.cacheKey`.
pub const BERRY_VERSIONS: std::ops::RangeInclusive<u32> = 4..=10;

/// `lockfileVersion` values of `bun.lock` lockproof reads (0 and 1 by Bun
/// 1.1–1.2, 2 and 3 by later versions, which only add stricter reading).
pub const BUN_VERSIONS: std::ops::RangeInclusive<u32> = 0..=3;

/// A lockfile's format: the package manager and its format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockfileFormat {
    /// npm's `package-lock.json` / `npm-shrinkwrap.json`.
    Npm(LockfileVersion),
    /// pnpm's `pnpm-lock.yaml`.
    Pnpm(PnpmVersion),
    /// Yarn 1's `yarn.lock` (`# yarn lockfile v1`, not YAML).
    YarnClassic,
    /// Yarn 2+'s YAML `yarn.lock`, by `__metadata.version`.
    YarnBerry {
        /// `__metadata.version`.
        metadata_version: u32,
    },
    /// Bun's text `bun.lock`, by `lockfileVersion`.
    Bun {
        /// `lockfileVersion`.
        lockfile_version: u32,
    },
}

impl LockfileFormat {
    /// The package manager that writes the format.
    pub fn manager(self) -> PackageManager {
        match self {
            Self::Npm(_) => PackageManager::Npm,
            Self::Pnpm(_) => PackageManager::Pnpm,
            Self::YarnClassic | Self::YarnBerry { .. } => PackageManager::Yarn,
            Self::Bun { .. } => PackageManager::Bun,
        }
    }

    /// What the format does not record, so what lockproof cannot check
    /// from the lockfile alone. Empty for npm's current formats.
    pub fn gaps(self) -> &'static [Gap] {
        use Gap::*;
        match self {
            Self::Npm(LockfileVersion::Unversioned) => &[NoIntegrity, NoInstallScripts, NoPlatform],
            Self::Npm(LockfileVersion::V1) => &[NoInstallScripts, NoPlatform],
            Self::Npm(_) => &[],
            Self::Pnpm(PnpmVersion::V9) => &[NoRegistryUrls, NoInstallScripts, NoDependencyTypes],
            Self::Pnpm(_) => &[NoRegistryUrls],
            Self::YarnClassic => &[NoInstallScripts, NoPlatform, NoDependencyTypes],
            Self::YarnBerry { .. } => &[
                NoNpmIntegrity,
                NoRegistryUrls,
                NoInstallScripts,
                NoDependencyTypes,
            ],
            Self::Bun { .. } => &[NoRegistryUrls, NoDependencyTypes, NoLibc],
        }
    }

    /// Whether entries record install scripts (`hasInstallScript`,
    /// pnpm's `requiresBuild`), so that a tarball declaring scripts the
    /// lockfile does not show is a finding.
    pub fn records_install_scripts(self) -> bool {
        !self.gaps().contains(&Gap::NoInstallScripts)
    }

    /// Whether entries carry the npm tarball's integrity at all (Yarn
    /// Berry's checksum hashes Yarn's own archive instead).
    pub fn records_npm_integrity(self) -> bool {
        !self.gaps().contains(&Gap::NoNpmIntegrity)
    }
}

/// The report's `lockfile_version`: npm's values exactly as before
/// (`"v3"`, `"unversioned"`), the others prefixed with their package
/// manager (`"pnpm-9.0"`, `"yarn-v1"`, `"yarn-berry-v8"`, `"bun-v1"`).
impl Serialize for LockfileFormat {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Npm(version) => version.serialize(serializer),
            Self::Pnpm(version) => serializer.collect_str(&format_args!("pnpm-{version}")),
            Self::YarnClassic => serializer.serialize_str("yarn-v1"),
            Self::YarnBerry { metadata_version } => {
                serializer.collect_str(&format_args!("yarn-berry-v{metadata_version}"))
            }
            Self::Bun { lockfile_version } => {
                serializer.collect_str(&format_args!("bun-v{lockfile_version}"))
            }
        }
    }
}

/// For tables: npm's version as before (`3`), the others named.
impl fmt::Display for LockfileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Npm(version) => version.fmt(f),
            Self::Pnpm(version) => write!(f, "pnpm {version}"),
            Self::YarnClassic => f.write_str("yarn 1"),
            Self::YarnBerry { metadata_version } => write!(f, "yarn berry {metadata_version}"),
            Self::Bun { lockfile_version } => write!(f, "bun {lockfile_version}"),
        }
    }
}

/// Something a lockfile format does not record, and so a check that
/// cannot apply to its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gap {
    /// No integrity hash at all (npm <= 4).
    NoIntegrity,
    /// No hash of the npm tarball: the registry's `dist.integrity` is the
    /// only identity of the bytes, and nothing pins it in review.
    NoNpmIntegrity,
    /// No tarball URL for registry packages: the host allow-list and the
    /// tarball-name check have nothing to read; the URL comes from the
    /// registry's version document or its conventional path.
    NoRegistryUrls,
    /// No record of install scripts: a tarball that declares some cannot
    /// be said to hide them from the lockfile.
    NoInstallScripts,
    /// No `os`/`cpu`/`libc` restrictions: no download can be skipped as
    /// another platform's.
    NoPlatform,
    /// No `libc` restriction (only `os` and `cpu`).
    NoLibc,
    /// No per-package dev/optional flags.
    NoDependencyTypes,
}

impl Gap {
    /// The kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoIntegrity => "no-integrity",
            Self::NoNpmIntegrity => "no-npm-integrity",
            Self::NoRegistryUrls => "no-registry-urls",
            Self::NoInstallScripts => "no-install-scripts",
            Self::NoPlatform => "no-platform",
            Self::NoLibc => "no-libc",
            Self::NoDependencyTypes => "no-dependency-types",
        }
    }

    /// Why the check cannot apply, for reports.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NoIntegrity => "the format records no integrity hashes",
            Self::NoNpmIntegrity => {
                "the format records no hash of the npm tarball (Yarn's checksum hashes its own zip archive): the registry's integrity is the only identity of the bytes, and the lockfile does not pin it"
            }
            Self::NoRegistryUrls => {
                "the format records no tarball URL for registry packages: the host allow-list and tarball-name checks do not apply"
            }
            Self::NoInstallScripts => {
                "the format does not record install scripts: scripts in a tarball cannot be compared with the lockfile"
            }
            Self::NoPlatform => "the format records no os/cpu/libc restrictions",
            Self::NoLibc => "the format records os and cpu but no libc restriction",
            Self::NoDependencyTypes => "the format records no dev/optional flags per package",
        }
    }
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_serializes_exactly_as_before() {
        for version in [
            LockfileVersion::Unversioned,
            LockfileVersion::V1,
            LockfileVersion::V2,
            LockfileVersion::V3,
        ] {
            assert_eq!(
                serde_json::to_string(&LockfileFormat::Npm(version)).unwrap(),
                serde_json::to_string(&version).unwrap()
            );
            assert_eq!(
                LockfileFormat::Npm(version).to_string(),
                version.to_string()
            );
        }
    }

    #[test]
    fn other_formats_name_their_package_manager() {
        let json = |f: LockfileFormat| serde_json::to_string(&f).unwrap();
        assert_eq!(json(LockfileFormat::Pnpm(PnpmVersion::V9)), "\"pnpm-9.0\"");
        assert_eq!(
            json(LockfileFormat::Pnpm(PnpmVersion::V5 { minor: 4 })),
            "\"pnpm-5.4\""
        );
        assert_eq!(json(LockfileFormat::YarnClassic), "\"yarn-v1\"");
        assert_eq!(
            json(LockfileFormat::YarnBerry {
                metadata_version: 8
            }),
            "\"yarn-berry-v8\""
        );
        assert_eq!(
            json(LockfileFormat::Bun {
                lockfile_version: 1
            }),
            "\"bun-v1\""
        );
        assert_eq!(LockfileFormat::YarnClassic.manager(), PackageManager::Yarn);
    }

    #[test]
    fn reads_pnpm_versions() {
        assert_eq!(PnpmVersion::parse("9.0"), Some(PnpmVersion::V9));
        assert_eq!(
            PnpmVersion::parse("6.1"),
            Some(PnpmVersion::V6 { minor: 1 })
        );
        assert_eq!(
            PnpmVersion::parse("5.4").map(|v| v.to_string()),
            Some("5.4".into())
        );
        assert_eq!(PnpmVersion::parse("7.0"), None);
        assert_eq!(PnpmVersion::parse("9"), None);
    }

    #[test]
    fn gaps_drive_what_can_be_compared() {
        assert!(LockfileFormat::Npm(LockfileVersion::V3).records_install_scripts());
        assert!(!LockfileFormat::Npm(LockfileVersion::V1).records_install_scripts());
        assert!(LockfileFormat::Pnpm(PnpmVersion::V6 { minor: 0 }).records_install_scripts());
        assert!(!LockfileFormat::Pnpm(PnpmVersion::V9).records_install_scripts());
        assert!(
            LockfileFormat::Bun {
                lockfile_version: 2
            }
            .records_install_scripts()
        );
        assert!(
            !LockfileFormat::YarnBerry {
                metadata_version: 8
            }
            .records_npm_integrity()
        );
        assert!(LockfileFormat::YarnClassic.records_npm_integrity());
    }
}
