//! What lockproof's fuzz targets share: what every error must keep, the trust anchors bundles and certificates are verified against
//! (the embedded public-good root, and the hermetic test PKI of
//! `tests/it/sigstore_pki`, whose genuine bundles let mutations reach the
//! deep checks), and the test suite's builders that the seed generator
//! (`examples/seeds.rs`) uses.

use std::sync::OnceLock;

use jiff::Timestamp;
use lockproof::report::escape;
use lockproof::signatures::KeySet;
use lockproof::sigstore::trust_root::TrustedRoot;

/// The test suite's Sigstore PKI, compiled here as it is there.
#[path = "../../tests/it/sigstore_pki/mod.rs"]
pub mod pki;

/// The test suite's tarball builder.
#[path = "../../tests/it/tgz.rs"]
pub mod tgz;

/// The one "now" of every verification: fixed, so that a run is
/// reproducible, and inside the validity of both roots.
pub fn now() -> Timestamp {
    Timestamp::from_second(1_767_225_600).expect("2026-01-01 is a valid time")
}

/// When the test PKI's default bundle was logged (`BundleSpec::default()`):
/// its leaf is valid then, so chain checks of mutated test certificates run
/// to the end.
pub fn test_pki_signing_time() -> Timestamp {
    Timestamp::from_second(pki::BundleSpec::default().integrated_time)
        .expect("the test PKI's time is valid")
}

/// A digest no seed's statement or message signature names: a verification
/// that returns `Ok` for it accepted a bundle about something else.
pub fn foreign_digests() -> &'static [(&'static str, String)] {
    static DIGESTS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    DIGESTS.get_or_init(|| {
        use sha2::Digest as _;
        let artifact = b"lockproof fuzzing: an artifact no bundle is about";
        vec![
            ("sha512", hex(&sha2::Sha512::digest(artifact))),
            ("sha256", hex(&sha2::Sha256::digest(artifact))),
        ]
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sigstore's public-good root as lockproof embeds it.
pub fn public_root() -> &'static TrustedRoot {
    static ROOT: OnceLock<TrustedRoot> = OnceLock::new();
    ROOT.get_or_init(|| TrustedRoot::public_good(now()).expect("the embedded root loads"))
}

/// npm's public keys as lockproof embeds them.
pub fn npm_keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(KeySet::npm_public)
}

/// The test PKI (keys derived from fixed seeds).
pub fn test_pki() -> &'static pki::Pki {
    static PKI: OnceLock<pki::Pki> = OnceLock::new();
    PKI.get_or_init(pki::Pki::new)
}

/// The test PKI's trusted root.
pub fn test_root() -> &'static TrustedRoot {
    static ROOT: OnceLock<TrustedRoot> = OnceLock::new();
    ROOT.get_or_init(|| {
        TrustedRoot::from_json(test_pki().trusted_root_json().as_bytes(), now())
            .expect("the test PKI's root loads")
    })
}

/// The test PKI's npm registry key.
pub fn test_keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        KeySet::from_keys_json(test_pki().npm_keys_json().as_bytes())
            .expect("the test PKI's keys load")
    })
}

/// The longest error line `lockproof` prints (`ERROR_LINE_MAX` in
/// `src/main.rs`).
const ERROR_LINE_MAX: usize = 2000;

/// An error as `lockproof: error:` prints it: the message and its causes
/// (anyhow's `{:#}`), through the escaping `main` applies. Library messages
/// may hold a line break from the input (a quoted key, a path); what is
/// printed must be one line of bounded length all the same, or it could
/// forge further lines of output or a CI workflow command.
pub fn assert_prints_on_one_line(error: &dyn std::error::Error) {
    let mut chain = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        chain.push_str(": ");
        chain.push_str(&e.to_string());
        cause = e.source();
    }
    let line = escape::line(&chain, ERROR_LINE_MAX);
    assert!(
        !line.contains(['\n', '\r']) && line.chars().count() <= ERROR_LINE_MAX + 40,
        "printed error is not one bounded line: {line:?}"
    );
}

/// A message that must name `path` first, as every error about a file
/// does (the path as the message shows it).
pub fn assert_names_file(error: &dyn std::error::Error, path: &std::path::Path) {
    let message = error.to_string();
    let prefix = format!("{}: ", path.display());
    assert!(
        message.starts_with(&prefix),
        "error does not name {path:?} first: {message:?}"
    );
}
