//! The projects of a run: each lockfile named or found, read as the
//! package manager that installs it reads its folder, with the
//! configuration that applies to it and, for npm, the installer that will
//! act on it.
//!
//! Which npm file is audited depends on which npm installs: npm ≤ 11 reads
//! `npm-shrinkwrap.json` before `package-lock.json` (both are audited, the
//! shrinkwrap noted as the one installed); npm ≥ 12 reads
//! `package-lock.json` only, and a shrinkwrap beside it is a finding of
//! its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::checks::shrinkwrap::IgnoredShrinkwrap;
use crate::config::{self, Config};
use crate::installer::package_json::{self, PackageJson};
use crate::installer::which::{self, FoundNpm, NpmRules};
use crate::installer::{Installer, InstallerError};
use crate::lockfile::{self, LOCKFILE_NAMES, Located, PackageManager};
use crate::registry::npmrc::NpmConfig;

/// One lockfile to audit, with the configuration that applies to it.
pub(super) struct Project {
    /// The lockfile, as the user named it (`./` dropped).
    pub lockfile: PathBuf,
    /// Whose lockfile it is: the format it is read as.
    pub manager: PackageManager,
    /// `--config`, else the `lockproof.toml` beside the lockfile, else the
    /// defaults.
    pub config: Config,
    /// npm's configuration for the lockfile's folder.
    pub npm: NpmConfig,
    /// npm lockfiles: what the npm that installs it will do.
    pub installer: Option<Installer>,
    /// A shrinkwrap the installer will not read (npm ≥ 12): the lockfile
    /// itself when it is one.
    pub ignored_shrinkwrap: Option<IgnoredShrinkwrap>,
}

/// Whose rules judge the npm lockfiles.
pub(super) enum Judge<'a> {
    /// `lockproof audit`: `--npm-version`, else what `package.json` asks
    /// for weighed against the `npm` on `PATH`.
    Audit { npm_version: Option<&'a str> },
    /// `lockproof install`: the npm it runs; `--npm-version` names its
    /// version when it cannot be read, and may not contradict it.
    Install {
        program: &'a Path,
        npm_version: Option<&'a str>,
    },
}

/// What the run resolved about its lockfiles.
pub(super) struct Projects {
    /// The projects, in the order named, each lockfile once.
    pub projects: Vec<Project>,
    /// What resolving them found worth telling the reader.
    pub notes: Vec<String>,
}

/// A lockfile found, before its configuration is read.
struct Found {
    located: Located,
    ignored_shrinkwrap: Option<IgnoredShrinkwrap>,
}

/// Finds the lockfiles `paths` name (the current folder when none) and
/// resolves each one's settings.
pub(super) fn resolve(
    paths: &[PathBuf],
    explicit: Option<&Config>,
    registry: Option<&str>,
    judge: &Judge<'_>,
) -> Result<Projects> {
    let mut rules = Rules::new(judge)?;
    let (found, notes) = lockfiles(paths, &mut rules)?;
    let projects = found
        .into_iter()
        .map(|f| project(f, explicit, registry, &rules))
        .collect::<Result<Vec<_>>>()?;
    Ok(Projects { projects, notes })
}

/// Each folder's `package.json` and npm rules, read once.
struct Rules {
    flag: Option<NpmRules>,
    installed: Option<FoundNpm>,
    install: bool,
    folders: BTreeMap<PathBuf, (Option<PackageJson>, NpmRules)>,
}

impl Rules {
    fn new(judge: &Judge<'_>) -> Result<Self> {
        let (program, version, install) = match judge {
            Judge::Audit { npm_version } => (Path::new("npm"), *npm_version, false),
            Judge::Install {
                program,
                npm_version,
            } => (*program, *npm_version, true),
        };
        let flag = version
            .map(|v| which::flag(v).ok_or_else(|| InstallerError::BadVersion(v.to_string())))
            .transpose()?;
        // Looked up unless the flag decides alone.
        let installed = (install || flag.is_none())
            .then(|| which::find_npm(program, std::env::var_os("PATH").as_deref()))
            .flatten();
        if install
            && let (Some(f), Some(i)) = (&flag, &installed)
            && let Some(v) = &i.version
            && f.gated() != i.rules().gated()
        {
            bail!(
                "--npm-version {} contradicts the npm lockproof install runs ({} is npm {v})",
                f.version.as_deref().unwrap_or(""),
                i.program.display()
            );
        }
        Ok(Self {
            flag,
            installed,
            install,
            folders: BTreeMap::new(),
        })
    }

    /// The rules and `package.json` of the project in `folder`.
    fn of(&mut self, folder: &Path) -> Result<&(Option<PackageJson>, NpmRules)> {
        if !self.folders.contains_key(folder) {
            let package = package_json::read(folder)?;
            let installed = self.installed.as_ref().map(|i| untrusted_inside(i, folder));
            let rules = match (&self.flag, &installed) {
                // What runs is what counts; a version lockproof cannot
                // read is what the flag says, else the older rules.
                (Some(f), Some(i)) if self.install && i.version.is_none() => f.clone(),
                (_, Some(i)) if self.install => i.rules(),
                (Some(f), _) => f.clone(),
                _ => which::resolve(
                    package.as_ref().and_then(which::declared),
                    installed.as_ref(),
                ),
            };
            self.folders.insert(folder.to_path_buf(), (package, rules));
        }
        Ok(&self.folders[folder])
    }
}

/// `npm` as the rules for `folder` may take it: an npm whose files lie
/// inside the project (`node_modules/.bin` first on `PATH`, as under `npm
/// run`) has a version the pull request can write, so it counts as
/// unreadable, and the older rules, under which more runs, apply.
fn untrusted_inside(npm: &FoundNpm, folder: &Path) -> FoundNpm {
    let inside = match (npm.program.canonicalize(), folder.canonicalize()) {
        (Ok(program), Ok(folder)) => program.starts_with(folder),
        // Unresolvable: nothing says it is outside.
        _ => true,
    };
    FoundNpm {
        program: npm.program.clone(),
        version: npm.version.clone().filter(|_| !inside),
    }
}

/// The folder a lockfile sits in.
fn folder_of(file: &Path) -> &Path {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The lockfiles `paths` name, each once, in order: the npm ones as the
/// npm that installs them reads their folder.
fn lockfiles(paths: &[PathBuf], rules: &mut Rules) -> Result<(Vec<Found>, Vec<String>)> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut notes = Vec::new();
    let mut found: Vec<Found> = Vec::with_capacity(paths.len());
    for path in paths {
        let named_file = path.is_file();
        for located in lockfile::discover(path)? {
            let located = Located {
                path: tidy(&located.path),
                manager: located.manager,
            };
            if located.manager != PackageManager::Npm {
                found.push(Found {
                    located,
                    ignored_shrinkwrap: None,
                });
                continue;
            }
            let (_, npm_rules) = rules.of(folder_of(&located.path))?;
            if npm_rules.reads_shrinkwrap() {
                npm_reading_shrinkwraps(located, &mut found, &mut notes);
            } else {
                // `lockproof install` installs what npm reads, whichever
                // file was named.
                let named = named_file && !rules.install;
                found.push(npm_ignoring_shrinkwraps(located, named));
            }
        }
    }
    // Order-preserving: pre-commit passes `npm-shrinkwrap.json` before the
    // `package-lock.json` that adds it again as its shadow.
    let mut seen = BTreeSet::new();
    found.retain(|f| seen.insert(f.located.path.clone()));
    // A shrinkwrap audited in its own right carries its finding itself.
    for f in &mut found {
        if f.ignored_shrinkwrap
            .as_ref()
            .is_some_and(|s| s.shrinkwrap != f.located.path && seen.contains(&s.shrinkwrap))
        {
            f.ignored_shrinkwrap = None;
        }
    }
    Ok((found, notes))
}

/// npm ≤ 11: the shrinkwrap beside a package lock is what installs, so it
/// is audited too.
fn npm_reading_shrinkwraps(located: Located, found: &mut Vec<Found>, notes: &mut Vec<String>) {
    let shadow = lockfile::shadowing_shrinkwrap(&located.path);
    if let Some(shrinkwrap) = &shadow {
        notes.push(format!(
            "npm installs from {}, not from {}: both were audited",
            tidy(shrinkwrap).display(),
            located.path.display()
        ));
    }
    found.push(Found {
        located,
        ignored_shrinkwrap: None,
    });
    found.extend(shadow.map(|s| Found {
        located: Located {
            path: tidy(&s),
            manager: PackageManager::Npm,
        },
        ignored_shrinkwrap: None,
    }));
}

/// npm ≥ 12: the package lock is what installs; a shrinkwrap is audited
/// only when it was named or stands alone, and is a finding either way.
fn npm_ignoring_shrinkwraps(located: Located, named_file: bool) -> Found {
    let is_shrinkwrap = located.path.file_name() == Some(LOCKFILE_NAMES[0].as_ref());
    if !is_shrinkwrap {
        let sibling = located.path.with_file_name(LOCKFILE_NAMES[0]);
        return Found {
            ignored_shrinkwrap: sibling.is_file().then(|| IgnoredShrinkwrap {
                shrinkwrap: sibling,
                installed: Some(located.path.clone()),
            }),
            located,
        };
    }
    let package_lock = located.path.with_file_name(LOCKFILE_NAMES[1]);
    let package_lock = package_lock.is_file().then_some(package_lock);
    let ignored = IgnoredShrinkwrap {
        shrinkwrap: located.path.clone(),
        installed: package_lock.clone(),
    };
    match package_lock {
        Some(path) if !named_file => Found {
            ignored_shrinkwrap: Some(ignored),
            located: Located {
                path,
                manager: PackageManager::Npm,
            },
        },
        // Named, the shrinkwrap is audited, its finding naming the
        // package lock npm installs from when there is one.
        _ => Found {
            ignored_shrinkwrap: Some(ignored),
            located,
        },
    }
}

/// The settings of one lockfile.
fn project(
    found: Found,
    explicit: Option<&Config>,
    registry: Option<&str>,
    rules: &Rules,
) -> Result<Project> {
    let Found {
        located,
        ignored_shrinkwrap,
    } = found;
    let lockfile = located.path;
    let config = match explicit {
        Some(c) => c.clone(),
        None => match config::find_beside(&lockfile) {
            Some(p) => config::load(&p)?,
            None => Config::default(),
        },
    };
    let folder = folder_of(&lockfile);
    let npm = NpmConfig::from_process_env(Some(folder), registry)?;
    let installer = (located.manager == PackageManager::Npm)
        .then(|| rules.folders.get(folder))
        .flatten()
        .map(|(package, npm_rules)| Installer::new(npm_rules.clone(), package.as_ref(), &npm));
    Ok(Project {
        lockfile,
        manager: located.manager,
        config,
        npm,
        installer,
        ignored_shrinkwrap,
    })
}

/// `./package-lock.json` reads better as `package-lock.json`.
pub(super) fn tidy(path: &Path) -> PathBuf {
    path.strip_prefix(".")
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}
