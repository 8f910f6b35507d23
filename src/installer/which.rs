//! Which npm will install the lockfile, and so by which rules lockproof
//! judges it: `--npm-version`, else what the project's `package.json` asks
//! for (`packageManager`, then `devEngines.packageManager`), else the `npm`
//! on `PATH`, else the rules of npm's latest major.
//!
//! What `package.json` asks for is a wish a pull request can write; the
//! `npm` on `PATH` is what will run where lockproof runs. When both are
//! known and their rules differ, the older npm's rules apply, because under
//! them more is read and run: a project cannot talk lockproof out of
//! judging a shrinkwrap or a script that the npm at hand would use.
//!
//! The version of an `npm` on `PATH` is read from the `package.json` of
//! the npm package it belongs to, without running it (starting Node costs
//! more than an offline audit).

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

use node_semver::{Range, Version};
use serde::Serialize;

use super::package_json::PackageJson;

/// npm's latest major, whose rules apply when nothing says which npm runs.
pub const LATEST_MAJOR: u64 = 12;

/// The first major that ignores `npm-shrinkwrap.json`, runs dependency
/// install scripts only when `allowScripts` allows them and refuses git
/// and remote sources by default.
pub const GATED_MAJOR: u64 = 12;

/// Where the rules came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RulesFrom {
    /// `--npm-version`.
    Flag,
    /// `packageManager` in the project's `package.json`.
    PackageManager,
    /// `devEngines.packageManager` in the project's `package.json`.
    DevEngines,
    /// The npm that will run: on `PATH`, or the program `lockproof
    /// install` runs.
    Installed {
        /// Its executable.
        program: PathBuf,
    },
    /// Nothing said: npm's latest rules.
    Default,
}

/// The npm whose rules judge a lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpmRules {
    /// Its major version.
    pub major: u64,
    /// The version or range as stated, when one was.
    pub version: Option<String>,
    /// Where that came from.
    pub from: RulesFrom,
    /// A statement that disagreed and was set aside, in words.
    pub set_aside: Option<String>,
}

impl NpmRules {
    /// npm ≤ 11 installs from `npm-shrinkwrap.json` when there is one.
    pub fn reads_shrinkwrap(&self) -> bool {
        self.major < GATED_MAJOR
    }

    /// npm ≥ 12 runs a dependency's install scripts only when allowed,
    /// and refuses git and remote sources unless configured.
    pub fn gated(&self) -> bool {
        self.major >= GATED_MAJOR
    }
}

impl fmt::Display for NpmRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "npm {} rules", self.major)?;
        let version = self.version.as_deref().unwrap_or("");
        match &self.from {
            RulesFrom::Flag => write!(f, " (--npm-version {version})")?,
            RulesFrom::PackageManager => write!(f, " (package.json packageManager {version})")?,
            RulesFrom::DevEngines => {
                write!(f, " (package.json devEngines.packageManager npm {version})")?;
            }
            RulesFrom::Installed { program } if version.is_empty() => write!(
                f,
                " ({}: version unreadable, judged by the older rules, under which more runs)",
                program.display()
            )?,
            RulesFrom::Installed { program } => {
                write!(f, " (npm {version} at {})", program.display())?;
            }
            RulesFrom::Default => {
                f.write_str(" (no npm found and none asked for: npm's latest)")?
            }
        }
        if let Some(aside) = &self.set_aside {
            write!(f, "; {aside}")?;
        }
        Ok(())
    }
}

/// An npm found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundNpm {
    /// The executable.
    pub program: PathBuf,
    /// Its version, when the npm package it belongs to says.
    pub version: Option<Version>,
}

impl FoundNpm {
    /// The rules of this npm; the older rules when its version is unknown.
    pub fn rules(&self) -> NpmRules {
        NpmRules {
            major: self.version.as_ref().map_or(GATED_MAJOR - 1, |v| v.major),
            version: self.version.as_ref().map(Version::to_string),
            from: RulesFrom::Installed {
                program: self.program.clone(),
            },
            set_aside: None,
        }
    }
}

/// Finds `program` (a bare name is looked up in `path_var`, as a shell
/// does) and reads its version; `None` when there is no such program.
pub fn find_npm(program: &Path, path_var: Option<&OsStr>) -> Option<FoundNpm> {
    let found = if program.components().count() > 1 {
        program.is_file().then(|| program.to_path_buf())
    } else {
        std::env::split_paths(path_var?)
            .filter(|dir| !dir.as_os_str().is_empty())
            .flat_map(|dir| executable_names(program).map(move |n| dir.join(n)))
            .find(|candidate| candidate.is_file())
    }?;
    let version = package_version(&found);
    Some(FoundNpm {
        program: found,
        version,
    })
}

/// The file names a program may have: `npm`, and on Windows `npm.cmd`.
fn executable_names(program: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    let extra = cfg!(windows).then(|| program.with_extension("cmd"));
    std::iter::once(program.to_path_buf()).chain(extra)
}

/// The version in the `package.json` of the npm package `program` belongs
/// to: npm's `bin/npm` links to `<npm>/bin/npm-cli.js`, so the package is
/// a few folders above the link's target.
fn package_version(program: &Path) -> Option<Version> {
    let target = program.canonicalize().ok()?;
    target.ancestors().skip(1).take(4).find_map(|dir| {
        let text = std::fs::read(dir.join("package.json")).ok()?;
        let json: serde_json::Value = serde_json::from_slice(&text).ok()?;
        (json.get("name")?.as_str()? == "npm")
            .then(|| Version::parse(json.get("version")?.as_str()?).ok())
            .flatten()
    })
}

/// The npm `package.json` asks for, when it names one: `packageManager`
/// first (`npm@12.2.3+sha512.…`), then `devEngines.packageManager`'s npm
/// entries, whose ranges count by their lowest version (the lowest of
/// them all). An npm named with a version or range lockproof cannot read
/// counts as the older rules, under which more is read and run. `None`
/// when it asks for another package manager or for no npm.
pub fn declared(package: &PackageJson) -> Option<NpmRules> {
    let unreadable = |version: &str, from: RulesFrom| NpmRules {
        major: GATED_MAJOR - 1,
        version: Some(version.to_string()),
        from,
        set_aside: Some(format!(
            "{version:?} is not a version lockproof reads: judged by the older rules, under which \
             more runs"
        )),
    };
    if let Some(pm) = &package.package_manager {
        let (name, version) = pm.split_once('@').unwrap_or((pm.as_str(), ""));
        if name.trim() != "npm" {
            return None;
        }
        let version = version.split('+').next().unwrap_or(version);
        return Some(match Version::parse(version) {
            Ok(v) => NpmRules {
                major: v.major,
                version: Some(version.to_string()),
                from: RulesFrom::PackageManager,
                set_aside: None,
            },
            Err(_) => unreadable(version, RulesFrom::PackageManager),
        });
    }
    package
        .dev_engines
        .iter()
        .filter(|(n, _)| n == "npm")
        .filter_map(|(_, range)| range.as_deref())
        .map(
            |range| match Range::parse(range).ok().and_then(|r| r.min_version()) {
                Some(min) => NpmRules {
                    major: min.major,
                    version: Some(range.to_string()),
                    from: RulesFrom::DevEngines,
                    set_aside: None,
                },
                None => unreadable(range, RulesFrom::DevEngines),
            },
        )
        .min_by_key(|r| r.major)
}

/// Parses `--npm-version`: a version, or a major alone (`12`).
pub fn flag(value: &str) -> Option<NpmRules> {
    let value = value.trim();
    let major = match Version::parse(value) {
        Ok(v) => v.major,
        Err(_) => value.parse().ok()?,
    };
    Some(NpmRules {
        major,
        version: Some(value.to_string()),
        from: RulesFrom::Flag,
        set_aside: None,
    })
}

/// The rules for a project: what it declares, unless the npm at hand
/// disagrees on rules that matter (then the older, see the module doc);
/// else the npm at hand; else npm's latest.
pub fn resolve(declared: Option<NpmRules>, installed: Option<&FoundNpm>) -> NpmRules {
    let installed = installed.map(FoundNpm::rules);
    match (declared, installed) {
        (Some(d), Some(i)) if d.gated() != i.gated() => {
            let (kept, other) = if d.major < i.major { (d, i) } else { (i, d) };
            let aside = format!(
                "{} was set aside: its rules run and read less",
                describe_source(&other)
            );
            NpmRules {
                set_aside: Some(aside),
                ..kept
            }
        }
        (Some(d), _) => d,
        (None, Some(i)) => i,
        (None, None) => NpmRules {
            major: LATEST_MAJOR,
            version: None,
            from: RulesFrom::Default,
            set_aside: None,
        },
    }
}

/// Where a statement came from, for [`NpmRules::set_aside`].
fn describe_source(rules: &NpmRules) -> String {
    let version = rules.version.as_deref().unwrap_or("of unknown version");
    match &rules.from {
        RulesFrom::Flag => format!("--npm-version {version}"),
        RulesFrom::PackageManager => format!("package.json's packageManager npm@{version}"),
        RulesFrom::DevEngines => format!("package.json's devEngines npm {version}"),
        RulesFrom::Installed { program } => format!("npm {version} at {}", program.display()),
        RulesFrom::Default => "npm's latest".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(pm: Option<&str>, dev: &[(&str, Option<&str>)]) -> PackageJson {
        PackageJson {
            package_manager: pm.map(str::to_string),
            dev_engines: dev
                .iter()
                .map(|(n, v)| (n.to_string(), v.map(str::to_string)))
                .collect(),
            ..PackageJson::default()
        }
    }

    fn installed(version: Option<&str>) -> FoundNpm {
        FoundNpm {
            program: PathBuf::from("/usr/bin/npm"),
            version: version.map(|v| Version::parse(v).unwrap()),
        }
    }

    #[test]
    fn package_manager_then_dev_engines() {
        let d = declared(&package(
            Some("npm@12.2.3+sha512.abcd"),
            &[("npm", Some("^11"))],
        ))
        .unwrap();
        assert_eq!((d.major, d.from), (12, RulesFrom::PackageManager));
        let d = declared(&package(
            None,
            &[("pnpm", None), ("npm", Some(">=11.4 <13"))],
        ))
        .unwrap();
        assert_eq!((d.major, d.from), (11, RulesFrom::DevEngines));
        assert!(declared(&package(Some("pnpm@10.0.0"), &[])).is_none());
        assert!(declared(&package(None, &[("npm", None)])).is_none());
    }

    #[test]
    fn attack_an_npm_named_with_an_unreadable_version_is_the_older_rules() {
        // Set aside, these would leave npm's latest rules (a shrinkwrap
        // ignored, scripts gated) where the project says it installs
        // with an npm lockproof cannot place.
        for pm in ["npm@latest", "npm@^11", "npm@11", "npm"] {
            let d = declared(&package(Some(pm), &[])).unwrap();
            assert_eq!(d.major, GATED_MAJOR - 1, "{pm}");
            assert!(d.set_aside.is_some(), "{pm}");
        }
        let d = declared(&package(None, &[("npm", Some("not a range"))])).unwrap();
        assert_eq!(d.major, GATED_MAJOR - 1);
        // Several npm entries: the lowest counts, not the first.
        let d = declared(&package(
            None,
            &[("npm", Some(">=12")), ("npm", Some("^10.9.0"))],
        ))
        .unwrap();
        assert_eq!(d.major, 10);
    }

    #[test]
    fn disagreement_keeps_the_older_rules() {
        let wish = declared(&package(Some("npm@12.0.0"), &[]));
        let r = resolve(wish.clone(), Some(&installed(Some("10.9.2"))));
        assert_eq!(r.major, 10);
        assert!(r.set_aside.unwrap().contains("packageManager npm@12.0.0"));
        // The other way round too: a project asking for 11 where 12 runs.
        let old = declared(&package(Some("npm@11.6.0"), &[]));
        let r = resolve(old, Some(&installed(Some("12.2.3"))));
        assert_eq!((r.major, r.from), (11, RulesFrom::PackageManager));
        // Agreeing on the rules, the declaration stands.
        let r = resolve(wish, Some(&installed(Some("12.1.0"))));
        assert_eq!(
            (r.major, r.from, r.set_aside),
            (12, RulesFrom::PackageManager, None)
        );
    }

    #[test]
    fn installed_npm_else_the_latest() {
        let r = resolve(None, Some(&installed(Some("12.2.3"))));
        assert_eq!(r.major, 12);
        assert_eq!(r.to_string(), "npm 12 rules (npm 12.2.3 at /usr/bin/npm)");
        let r = resolve(None, Some(&installed(None)));
        assert_eq!(
            r.major, 11,
            "an unreadable version judges by the older rules"
        );
        let r = resolve(None, None);
        assert_eq!((r.major, r.from), (LATEST_MAJOR, RulesFrom::Default));
    }

    #[test]
    fn the_flag_takes_a_version_or_a_major() {
        assert_eq!(flag("12").unwrap().major, 12);
        assert_eq!(flag("11.6.2").unwrap().major, 11);
        assert!(flag("twelve").is_none());
    }

    #[test]
    fn finds_npm_on_path_and_reads_its_version_without_running_it() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("lib/node_modules/npm");
        std::fs::create_dir_all(pkg.join("bin")).unwrap();
        std::fs::write(
            pkg.join("package.json"),
            r#"{"name":"npm","version":"12.2.3"}"#,
        )
        .unwrap();
        std::fs::write(pkg.join("bin/npm-cli.js"), "#!/usr/bin/env node\n").unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(pkg.join("bin/npm-cli.js"), bin.join("npm")).unwrap();
        #[cfg(not(unix))]
        std::fs::copy(pkg.join("bin/npm-cli.js"), bin.join("npm")).unwrap();
        let path = std::env::join_paths([dir.path().join("nothing"), bin.clone()]).unwrap();
        let found = find_npm(Path::new("npm"), Some(&path)).unwrap();
        assert_eq!(found.program, bin.join("npm"));
        if cfg!(unix) {
            assert_eq!(found.version.unwrap().to_string(), "12.2.3");
        }
        assert!(find_npm(Path::new("npm"), Some(OsStr::new(""))).is_none());
        assert!(find_npm(Path::new("npm"), None).is_none());
    }
}
