//! DER certificates as a bundle's leaf: `Leaf::from_der`, the chain to the
//! CAs of the public-good root and of the test PKI (`verify_path`, and
//! `Leaf::verify_chain` at a time the test PKI's leaves are valid), the
//! embedded SCTs, and `tbs_bytes`. No panic and every error prints on one line; no
//! certificate chains to the public-good root, since Fulcio leaves live ten
//! minutes and the fixed time is no Fulcio signing time.

#![no_main]

use der::Decode as _;
use libfuzzer_sys::fuzz_target;
use lockproof::sigstore::certificate::{Leaf, tbs_bytes, verify_path};
use lockproof::sigstore::sct::verify_embedded_scts;
use lockproof::sigstore::trust_root::TrustedRoot;
use lockproof_fuzz::{
    assert_prints_on_one_line, now, public_root, test_pki_signing_time, test_root,
};
use x509_cert::Certificate;

fuzz_target!(|der: &[u8]| {
    if let Some(tbs) = tbs_bytes(der) {
        assert!(tbs.len() <= der.len());
    }
    for (root, at) in [
        (public_root(), now()),
        (test_root(), test_pki_signing_time()),
    ] {
        for authority in &root.certificate_authorities {
            if let Err(e) = verify_path(der, &authority.chain, at) {
                assert_prints_on_one_line(&e);
            }
        }
    }
    let leaf = match Leaf::from_der(der) {
        Ok(leaf) => leaf,
        Err(e) => {
            assert_prints_on_one_line(&e);
            return;
        }
    };
    match leaf.verify_chain(&public_root().certificate_authorities, now()) {
        Ok(_) => panic!("a leaf chains to the public-good root at the fixed time"),
        Err(e) => assert_prints_on_one_line(&e),
    }
    let root = test_root();
    match leaf.verify_chain(&root.certificate_authorities, test_pki_signing_time()) {
        Ok(issuer) => scts(&leaf, &issuer, root),
        Err(e) => {
            assert_prints_on_one_line(&e);
            // The SCT parser is reached only behind a valid chain in
            // production; here it also reads the SCTs of mutated leaves.
            if let Some(issuer) = root
                .certificate_authorities
                .first()
                .and_then(|a| a.chain.first())
                .and_then(|der| Certificate::from_der(der).ok())
            {
                scts(&leaf, &issuer, root);
            }
        }
    }
});

fn scts(leaf: &Leaf, issuer: &Certificate, root: &TrustedRoot) {
    if let Err(e) = verify_embedded_scts(leaf.certificate(), issuer, &root.ctlogs, 1) {
        assert_prints_on_one_line(&e);
    }
}
