//! npm configuration (`lockproof::registry::npmrc::NpmConfig::load`), read
//! as in production from files: the input is the project `.npmrc`, then
//! after a NUL byte the user `.npmrc`, then `NAME=VALUE` lines of the
//! environment (nothing of the real one: `HOME` is the test folder and
//! `FUZZ_SECRET` a secret), then `--registry`. No panic, every error prints
//! on one line, no error and no refused credential (which reports print)
//! shows the secret expanded, a registry URL ends with `/`, and no
//! credential goes to a URL that carries its own user info.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lockproof::registry::npmrc::{NpmConfig, Sources};
use lockproof_fuzz::assert_prints_on_one_line;
use url::Url;

/// Most environment variables one input sets.
const MAX_VARS: usize = 32;

/// The value of `FUZZ_SECRET`, which `${FUZZ_SECRET}` expands to: it may
/// be sent, as a credential, but never shown.
const SECRET: &str = "s3cr3t-f0r-fuzz1ng";

struct Folders {
    project: PathBuf,
    home: PathBuf,
}

/// Where the two files are written: one folder per process, in memory
/// when the system has `/dev/shm`.
fn folders() -> &'static Folders {
    static FOLDERS: OnceLock<Folders> = OnceLock::new();
    FOLDERS.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        let base = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        }
        .join(format!("lockproof-fuzz-npmrc-{}", std::process::id()));
        let folders = Folders {
            project: base.join("project"),
            home: base.join("home"),
        };
        for dir in [&folders.project, &folders.home] {
            std::fs::create_dir_all(dir).expect("test folder");
        }
        folders
    })
}

/// Writes `text` to `path`, or removes the file when there is no text.
fn put(path: &PathBuf, text: Option<&[u8]>) {
    match text {
        Some(text) => std::fs::write(path, text).expect("write test file"),
        None => match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("remove test file: {e}"),
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == 0);
    let project_text = parts.next();
    let user_text = parts.next();
    let env_text = parts.next().map(String::from_utf8_lossy);
    let cli_registry = parts.next().map(String::from_utf8_lossy);

    let folders = folders();
    let user_npmrc = folders.home.join(".npmrc");
    put(&folders.project.join(".npmrc"), project_text);
    put(&user_npmrc, user_text);
    let mut env = vec![
        ("HOME".to_string(), folders.home.display().to_string()),
        ("FUZZ_SECRET".to_string(), SECRET.to_string()),
    ];
    env.extend(
        env_text
            .as_deref()
            .unwrap_or("")
            .lines()
            .filter_map(|line| line.split_once('='))
            .take(MAX_VARS)
            .map(|(name, value)| (name.to_string(), value.to_string())),
    );

    let sources = Sources {
        project_dir: Some(&folders.project),
        user_npmrc: Some(&user_npmrc),
        env: &env,
        cli_registry: cli_registry.as_deref(),
    };
    // Unless the input writes the secret itself, showing it means showing
    // an expansion.
    let shown = |text: &str| text.contains(SECRET) && !contains(data, SECRET.as_bytes());
    let config = match NpmConfig::load(&sources) {
        Ok(config) => config,
        Err(e) => {
            assert_prints_on_one_line(&e);
            assert!(!shown(&e.to_string()), "the error shows the secret: {e}");
            return;
        }
    };
    let refused = format!("{:?}", config.refused());
    assert!(
        !shown(&refused),
        "a refused credential shows the secret: {refused}"
    );
    let mut urls = vec![config.default_registry().clone()];
    for name in ["@fuzz/pkg", "@a/b", "pkg"] {
        let registry = config.registry_for(name);
        assert!(registry.path().ends_with('/'), "registry {registry}");
        urls.extend(registry.join(name));
    }
    for url in &urls {
        let _ = config.auth_header_for(url);
        let mut with_user = url.clone();
        if with_user.set_username("someone").is_ok() {
            assert!(
                config.auth_header_for(&with_user).is_none(),
                "credential for {with_user}"
            );
        }
    }
    for fixed in [
        "https://registry.npmjs.org/pkg",
        "http://127.0.0.1:4873/npm/pkg",
    ] {
        let _ = config.auth_header_for(&Url::parse(fixed).expect("a valid URL"));
    }
    let _ = (config.cafile(), config.strict_ssl(), config.files_read());
});

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
