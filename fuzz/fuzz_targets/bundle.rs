//! Sigstore bundle JSON (`lockproof::sigstore::bundle::Bundle::from_json`),
//! then, when it reads, full verification at a fixed time against the
//! embedded public-good root (npm's embedded keys for key-signed bundles)
//! and against the test PKI's root (whose genuine bundles are the seeds).
//! The artifact is one no bundle is about, so every verification must fail,
//! cleanly: no panic, and every error prints on one line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lockproof::signatures::KeySet;
use lockproof::sigstore::bundle::{Bundle, Material};
use lockproof::sigstore::trust_root::TrustedRoot;
use lockproof::sigstore::verify::{Artifact, Extension, SignerPolicy, verify};
use lockproof_fuzz::{
    assert_prints_on_one_line, foreign_digests, now, npm_keys, pki, public_root, test_keys,
    test_root,
};

fuzz_target!(|data: &[u8]| {
    let bundle = match Bundle::from_json(data) {
        Ok(bundle) => bundle,
        Err(e) => {
            assert_prints_on_one_line(&e);
            return;
        }
    };
    check(&bundle, public_root(), npm_keys());
    check(&bundle, test_root(), test_keys());
});

fn check(bundle: &Bundle, root: &TrustedRoot, keys: &KeySet) {
    let identity = pki::Identity::default();
    let extensions = [(Extension::SourceRepository, identity.source_repo.as_str())];
    let policy = match bundle.material {
        Material::Certificate(_) => SignerPolicy::Identity {
            san: &identity.san_uri,
            issuer: &identity.issuer,
            extensions: &extensions,
        },
        Material::PublicKeyHint(_) => SignerPolicy::Keys(keys),
    };
    let digests: Vec<(&str, String)> = foreign_digests().to_vec();
    match verify(bundle, root, policy, Artifact::Digests(&digests), now()) {
        Ok(verified) => panic!("verified for an artifact it is not about: {verified:?}"),
        Err(e) => assert_prints_on_one_line(&e),
    }
}
