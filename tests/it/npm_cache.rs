//! The real npm installs from a cache folder lockproof wrote, offline:
//! lockfile entries with `resolved` from the tarballs alone, entries
//! without it (npm's `omit-lockfile-registry-resolved`) from the tarballs
//! and a packument per name.
//!
//! Hermetic: the tarballs are packed by npm from files the test writes, the
//! lockfile and the npmrc point at a registry on 127.0.0.1 that is never
//! contacted, and npm runs with `--offline`. Skipped, with a printed reason,
//! without npm.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lockproof::cacache::{self, NpmCache, PackumentVersion};
use lockproof::integrity::Algorithm;
use lockproof::store::{Placed, Store, copy_hashing};
use lockproof::tarball::{self, Limits};

const REGISTRY: &str = "http://127.0.0.1:9/";

/// Runs npm in `dir` with a config of its own, so the machine's npmrc
/// cannot change the outcome.
fn npm(dir: &Path, userconfig: &Path, args: &[&str]) -> Output {
    Command::new("npm")
        .args(args)
        .arg("--userconfig")
        .arg(userconfig)
        .args(["--no-update-notifier", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .output()
        .unwrap()
}

/// npm's `sha512-…` integrity string for `bytes`.
fn sri(bytes: &[u8]) -> String {
    format!(
        "sha512-{}",
        STANDARD.encode(ring::digest::digest(&ring::digest::SHA512, bytes))
    )
}

/// Has npm pack a package made of `package.json` (`manifest`) and an
/// `index.js` exporting `says`, in `root/<dir>`; returns the tarball.
fn pack(root: &Path, userconfig: &Path, dir: &str, manifest: &str, says: &str) -> Vec<u8> {
    let src = root.join(dir);
    fs::create_dir(&src).unwrap();
    fs::write(src.join("package.json"), manifest).unwrap();
    fs::write(
        src.join("index.js"),
        format!("module.exports = '{says}';\n"),
    )
    .unwrap();
    let scratch = root.join("scratch-cache");
    let packed = npm(
        &src,
        userconfig,
        &["pack", "--json", "--cache", scratch.to_str().unwrap()],
    );
    assert!(packed.status.success(), "{packed:?}");
    let out: serde_json::Value = serde_json::from_slice(&packed.stdout).unwrap();
    let file = out[0]["filename"].as_str().unwrap();
    fs::read(src.join(file)).unwrap()
}

fn npm_available() -> bool {
    Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn npm_ci_offline_installs_what_lockproof_cached() {
    if !npm_available() {
        println!("skipped: npm is not on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let userconfig = root.join("npmrc");
    fs::write(&userconfig, "").unwrap();
    // A package, packed by npm itself.
    let bytes = pack(
        root,
        &userconfig,
        "src",
        r#"{"name":"lp-demo","version":"1.0.0","main":"index.js"}"#,
        "from the cache",
    );

    // npm's own tarball inspects clean.
    let found = tarball::inspect(bytes.as_slice(), &Limits::default()).unwrap();
    assert_eq!(found.violations, []);
    assert_eq!(found.manifest.unwrap().name.as_deref(), Some("lp-demo"));

    // A project locked to it, at a URL nothing serves.
    let integrity = sri(&bytes);
    let url = format!("{REGISTRY}lp-demo/-/lp-demo-1.0.0.tgz");
    let project = root.join("project");
    fs::create_dir(&project).unwrap();
    fs::write(
        project.join("package.json"),
        r#"{"name":"app","version":"1.0.0","dependencies":{"lp-demo":"1.0.0"}}"#,
    )
    .unwrap();
    let lock = serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": {
            "": {"name": "app", "version": "1.0.0", "dependencies": {"lp-demo": "1.0.0"}},
            "node_modules/lp-demo": {"version": "1.0.0", "resolved": url, "integrity": integrity}
        }
    });
    fs::write(project.join("package-lock.json"), lock.to_string()).unwrap();

    let ci = |cache: &Path| {
        npm(
            &project,
            &userconfig,
            &[
                "ci",
                "--offline",
                "--ignore-scripts",
                "--registry",
                REGISTRY,
                "--cache",
                cache.to_str().unwrap(),
            ],
        )
    };

    // An empty cache: npm refuses rather than fetching.
    let empty = ci(&root.join("empty-cache"));
    assert!(!empty.status.success());
    let stderr = String::from_utf8_lossy(&empty.stderr);
    assert!(stderr.contains("ENOTCACHED"), "{stderr}");

    // The cache lockproof wrote: npm installs those bytes.
    let cache = NpmCache::new(root.join("cache"));
    cache.put(&url, &integrity, &bytes).unwrap();
    let installed = ci(cache.root());
    assert!(installed.status.success(), "{installed:?}");
    assert_eq!(
        fs::read_to_string(project.join("node_modules/lp-demo/index.js")).unwrap(),
        "module.exports = 'from the cache';\n"
    );
}

/// A package locked without `resolved`, as the test packs, locks and
/// caches it.
struct Unresolved {
    /// Where the lockfile puts it.
    path: &'static str,
    name: &'static str,
    version: &'static str,
    /// Its own dependencies, as its package.json and lock entry list them.
    dependencies: serde_json::Value,
    /// The registry npm uses for the name (its scope's, if configured).
    registry: &'static str,
    /// What its index.js exports.
    says: &'static str,
}

impl Unresolved {
    /// The registry's conventional tarball URL, the one lockproof puts the
    /// tarball under.
    fn tarball_url(&self) -> String {
        let file = self.name.rsplit('/').next().unwrap();
        format!(
            "{}{}/-/{file}-{}.tgz",
            self.registry, self.name, self.version
        )
    }

    fn packument_url(&self) -> String {
        let registry = url::Url::parse(self.registry).unwrap();
        cacache::packument_url(&registry, self.name)
            .unwrap()
            .to_string()
    }
}

#[test]
fn npm_ci_offline_installs_entries_without_resolved_from_packuments() {
    if !npm_available() {
        println!("skipped: npm is not on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // The registry npm would ask, and a scope's own one with a path: both
    // on a port nothing listens on.
    let scoped_registry = "http://127.0.0.1:9/scoped/";
    let userconfig = root.join("npmrc");
    fs::write(
        &userconfig,
        format!(
            "registry={REGISTRY}\n@lp:registry={scoped_registry}\n\
             omit-lockfile-registry-resolved=true\n"
        ),
    )
    .unwrap();
    // Two versions of one name (so one packument must list both) and a
    // scoped package.
    let packages = [
        Unresolved {
            path: "node_modules/lp-plain",
            name: "lp-plain",
            version: "1.0.0",
            dependencies: serde_json::json!({}),
            registry: REGISTRY,
            says: "plain 1.0.0",
        },
        Unresolved {
            path: "node_modules/@lp/scoped",
            name: "@lp/scoped",
            version: "2.0.0",
            dependencies: serde_json::json!({"lp-plain": "1.1.0"}),
            registry: scoped_registry,
            says: "scoped 2.0.0",
        },
        Unresolved {
            path: "node_modules/@lp/scoped/node_modules/lp-plain",
            name: "lp-plain",
            version: "1.1.0",
            dependencies: serde_json::json!({}),
            registry: REGISTRY,
            says: "plain 1.1.0",
        },
    ];
    assert_eq!(
        packages[1].packument_url(),
        "http://127.0.0.1:9/scoped/@lp%2fscoped"
    );
    let tarballs: Vec<Vec<u8>> = packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let manifest = serde_json::json!({
                "name": p.name, "version": p.version, "dependencies": p.dependencies
            });
            pack(
                root,
                &userconfig,
                &format!("src{i}"),
                &manifest.to_string(),
                p.says,
            )
        })
        .collect();
    let integrities: Vec<String> = tarballs.iter().map(|b| sri(b)).collect();

    // The project, locked with version and integrity only.
    let project = root.join("project");
    fs::create_dir(&project).unwrap();
    let manifest = serde_json::json!({
        "name": "app", "version": "1.0.0",
        "dependencies": {"lp-plain": "1.0.0", "@lp/scoped": "2.0.0"}
    });
    fs::write(project.join("package.json"), manifest.to_string()).unwrap();
    let mut locked = serde_json::json!({"": manifest});
    for (p, integrity) in packages.iter().zip(&integrities) {
        locked[p.path] = serde_json::json!({
            "version": p.version, "integrity": integrity, "dependencies": p.dependencies
        });
    }
    let lock = serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": locked,
    });
    fs::write(project.join("package-lock.json"), lock.to_string()).unwrap();

    let ci = |cache: &NpmCache, extra: &[&str]| {
        let _ = fs::remove_dir_all(project.join("node_modules"));
        let mut args = vec![
            "ci",
            "--offline",
            "--ignore-scripts",
            "--cache",
            cache.root().to_str().unwrap(),
        ];
        args.extend(extra);
        npm(&project, &userconfig, &args)
    };
    let fails_not_cached = |out: &Output, url: &str| {
        assert!(!out.status.success(), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("ENOTCACHED"), "{stderr}");
        assert!(stderr.contains(url), "{stderr}");
    };
    let put_tarballs = |cache: &NpmCache| {
        for ((p, bytes), integrity) in packages.iter().zip(&tarballs).zip(&integrities) {
            cache.put(&p.tarball_url(), integrity, bytes).unwrap();
        }
    };
    // One packument per name, listing each of its locked versions with
    // the URL given by `tarball`.
    let put_packuments = |cache: &NpmCache, tarball: &dyn Fn(&Unresolved) -> String| {
        for name in ["lp-plain", "@lp/scoped"] {
            let of_name: Vec<(&Unresolved, &String, String)> = packages
                .iter()
                .zip(&integrities)
                .filter(|(p, _)| p.name == name)
                .map(|(p, integrity)| (p, integrity, tarball(p)))
                .collect();
            let versions = of_name
                .iter()
                .map(|(p, integrity, tarball)| PackumentVersion {
                    version: p.version,
                    tarball,
                    integrity,
                });
            let body = cacache::minimal_packument(name, versions);
            cache
                .put_packument(&of_name[0].0.packument_url(), &body)
                .unwrap();
        }
    };

    // The tarballs alone: npm asks for a packument first, and has none.
    let tarballs_only = NpmCache::new(root.join("tarballs-only"));
    put_tarballs(&tarballs_only);
    let out = ci(&tarballs_only, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let asked = packages
        .iter()
        .any(|p| stderr.contains(&format!("request to {} failed", p.packument_url())));
    assert!(asked, "{stderr}");
    fails_not_cached(&out, "only-if-cached");

    // With a minimal packument per name, npm installs the cached bytes,
    // asking with the abbreviated packument's Accept and (with --before)
    // the full one's.
    let cache = NpmCache::new(root.join("cache"));
    put_tarballs(&cache);
    put_packuments(&cache, &Unresolved::tarball_url);
    for extra in [&[][..], &["--before", "2100-01-01"]] {
        let installed = ci(&cache, extra);
        assert!(installed.status.success(), "{extra:?}: {installed:?}");
        for p in &packages {
            let index = project.join(p.path).join("index.js");
            assert_eq!(
                fs::read_to_string(index).unwrap(),
                format!("module.exports = '{}';\n", p.says)
            );
        }
    }

    // npm fetches dist.tarball by its URL: a tarball put under another URL
    // is not found, though its content is in the cache.
    let elsewhere = NpmCache::new(root.join("elsewhere"));
    put_tarballs(&elsewhere);
    let moved = |p: &Unresolved| {
        let file = p.name.replace('/', "-");
        format!("{REGISTRY}moved/{file}-{}.tgz", p.version)
    };
    put_packuments(&elsewhere, &moved);
    fails_not_cached(&ci(&elsewhere, &[]), &format!("{REGISTRY}moved/"));
}

#[test]
fn npm_ci_offline_reads_hard_linked_store_files_by_digest_and_never_writes_to_them() {
    if !npm_available() {
        println!("skipped: npm is not on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let userconfig = root.join("npmrc");
    fs::write(&userconfig, "").unwrap();
    let bytes = pack(
        root,
        &userconfig,
        "src",
        r#"{"name":"lp-linked","version":"1.0.0","main":"index.js"}"#,
        "from the store",
    );
    let integrity = sri(&bytes);
    // The tarball in lockproof's store, as the audit leaves it.
    let store = Store::new(&root.join("lockproof-cache"));
    let mut staged = store.stage().unwrap();
    let (hash, _) =
        copy_hashing(&mut bytes.as_slice(), &mut staged.file, Algorithm::Sha512).unwrap();
    let stored = store.commit(staged, &hash).unwrap();
    let project = root.join("project");
    fs::create_dir(&project).unwrap();
    fs::write(
        project.join("package.json"),
        r#"{"name":"app","version":"1.0.0","dependencies":{"lp-linked":"1.0.0"}}"#,
    )
    .unwrap();
    let lock = serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": {
            "": {"name": "app", "version": "1.0.0", "dependencies": {"lp-linked": "1.0.0"}},
            "node_modules/lp-linked": {
                "version": "1.0.0",
                "resolved": format!("{REGISTRY}lp-linked/-/lp-linked-1.0.0.tgz"),
                "integrity": integrity,
            }
        }
    });
    fs::write(project.join("package-lock.json"), lock.to_string()).unwrap();
    let ci = |cache: &NpmCache| {
        let _ = fs::remove_dir_all(project.join("node_modules"));
        npm(
            &project,
            &userconfig,
            &[
                "ci",
                "--offline",
                "--ignore-scripts",
                "--registry",
                REGISTRY,
                "--cache",
                cache.root().to_str().unwrap(),
            ],
        )
    };
    let before = fs::metadata(&stored).unwrap();

    // The content alone, linked: npm reads it by digest, with no index
    // entry, and installs it.
    let cache = NpmCache::new(root.join("cache"));
    let placed = cache.put_content(&integrity, &stored).unwrap();
    let installed = ci(&cache);
    assert!(installed.status.success(), "{installed:?}");
    assert_eq!(
        fs::read_to_string(project.join("node_modules/lp-linked/index.js")).unwrap(),
        "module.exports = 'from the store';\n"
    );
    assert!(!root.join("cache/_cacache/index-v5").exists());
    // npm wrote nothing to the file it shares with the store.
    let after = fs::metadata(&stored).unwrap();
    assert_eq!(fs::read(&stored).unwrap(), bytes);
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
    assert!(
        after.permissions().readonly(),
        "stored files stay read-only"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        assert_eq!(placed, Placed::Linked);
        let content = fs::metadata(cache.content_path(&hash)).unwrap();
        assert_eq!((content.dev(), content.ino()), (after.dev(), after.ino()));
    }

    // Bytes changed after they were linked (through the link, so in the
    // store too): npm checks what it reads and installs nothing, and the
    // store no longer serves the file.
    let changed = NpmCache::new(root.join("changed"));
    changed.put_content(&integrity, &stored).unwrap();
    let content = changed.content_path(&hash);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(&content, fs::Permissions::from_mode(0o644)).unwrap();
    }
    let mut evil = bytes.clone();
    if let Some(last) = evil.last_mut() {
        *last ^= 1;
    }
    fs::write(&content, &evil).unwrap();
    let refused = ci(&changed);
    assert!(!refused.status.success(), "{refused:?}");
    assert!(!project.join("node_modules/lp-linked").exists());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("EINTEGRITY") || stderr.contains("ENOTCACHED"),
        "{stderr}"
    );
    #[cfg(unix)]
    assert_eq!(store.lookup(&hash), None);
}
