//! Tests of RFC 3161 timestamp verification, on tokens built here.

use super::*;
use crate::sigstore::algorithm::{
    ECDSA_WITH_SHA256, ECDSA_WITH_SHA384, RSA_ENCRYPTION, SHA256_WITH_RSA,
};
use crate::sigstore::authority::ValidFor;
use TimestampError as E;
use der::asn1::UtcTime;
use p384::ecdsa::{DerSignature as RootSig, SigningKey as RootKey};
use signature::Signer;
use std::str::FromStr as _;
use std::time::Duration;
use x509_cert::builder::{Builder as _, CertificateBuilder, profile::BuilderProfile};
use x509_cert::spki::{SubjectPublicKeyInfoOwned as Spki, SubjectPublicKeyInfoRef as SpkiRef};
use x509_cert::time::{Time, Validity};

const SIG: &[u8] = b"artifact signature bytes";
const GEN_TIME: &str = "2025-06-01T12:00:00Z";
const SHA1: ObjectIdentifier = oid("1.3.14.3.2.26");
/// Certificate lifetimes in Unix seconds: 2023 to 2033, and 2025.
const CA_LIFE: (u64, u64) = (1_700_000_000, 2_000_000_000);
const TSA_LIFE: (u64, u64) = (1_735_689_600, 1_767_225_600);
type Sign = Box<dyn Fn(&[u8]) -> Vec<u8>>;
type Edit = fn(&mut Opts);

fn name(dn: &str) -> Name {
    Name::from_str(dn).expect("name")
}

/// Certificates named `self.0`, issued by `CN=root`; [`issue`] adds the
/// extensions.
struct Names(&'static str);

impl BuilderProfile for Names {
    fn get_issuer(&self, _: &Name) -> Name {
        name("CN=root")
    }
    fn get_subject(&self) -> Name {
        name(self.0)
    }
    fn build_extensions(
        &self,
        _: SpkiRef<'_>,
        _: SpkiRef<'_>,
        _: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<x509_cert::ext::Extension>> {
        Ok(Vec::new())
    }
}

/// A certificate for `cn` (the root, a CA, or the TSA leaf, with the
/// timestamping purpose if `eku`), signed by `ca`, valid between two Unix
/// times.
fn issue(spki: Spki, cn: &'static str, eku: bool, ca: &RootKey, at: (u64, u64)) -> Vec<u8> {
    let time = |t| Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(t)).expect("t"));
    let root = cn == "CN=root";
    let serial = if root { 1u32 } else { 7 };
    let validity = Validity::new(time(at.0), time(at.1));
    let builder = CertificateBuilder::new(Names(cn), serial.into(), validity, spki);
    let mut builder = builder.expect("builder");
    if root {
        let bc = BasicConstraints {
            ca: true,
            path_len_constraint: None,
        };
        builder.add_extension((true, &bc)).expect("ext");
    }
    if eku {
        let eku = ExtendedKeyUsage(vec![KP_TIME_STAMPING]);
        builder.add_extension((true, &eku)).expect("ext");
    }
    let cert = builder.build::<_, RootSig>(ca).expect("cert");
    cert.to_der().expect("der")
}

macro_rules! leaf_key {
    ($curve:ident, $seed:expr) => {{
        let key = $curve::ecdsa::SigningKey::from_bytes(&$seed.into()).expect("key");
        let spki = Spki::from_key(key.verifying_key()).expect("spki");
        let raw = move |m: &[u8]| Signer::<$curve::ecdsa::DerSignature>::sign(&key, m);
        let sign: Sign = Box::new(move |m| raw(m).as_bytes().to_vec());
        (spki, sign)
    }};
}

/// A test TSA: root and leaf DER, the leaf's signer and its digest and
/// signature algorithms.
struct Tsa {
    root: Vec<u8>,
    leaf: Vec<u8>,
    sign: Sign,
    algs: (ObjectIdentifier, ObjectIdentifier),
}

/// A P-384 root from `seed` and a P-256 (or P-384) TSA leaf under it.
fn make_tsa(seed: u8, p384_leaf: bool, eku: bool) -> Tsa {
    let ca = RootKey::from_bytes(&[seed; 48].into()).expect("key");
    let root_spki = Spki::from_key(ca.verifying_key()).expect("spki");
    let root = issue(root_spki, "CN=root", false, &ca, CA_LIFE);
    let ((spki, sign), algs) = match p384_leaf {
        true => (leaf_key!(p384, [0x44; 48]), (ID_SHA384, ECDSA_WITH_SHA384)),
        false => (leaf_key!(p256, [0x22; 32]), (ID_SHA256, ECDSA_WITH_SHA256)),
    };
    let leaf = issue(spki, "CN=tsa", eku, &ca, TSA_LIFE);
    Tsa {
        root,
        leaf,
        sign,
        algs,
    }
}

/// The same with the RSA test key as the TSA leaf, its signer info
/// naming `signature_alg`.
fn make_rsa_tsa(signature_alg: ObjectIdentifier) -> Tsa {
    use crate::sigstore::keys::Hash;
    use crate::sigstore::rsa::{Padding, testkey};
    let ca = RootKey::from_bytes(&[0x11; 48].into()).expect("key");
    let root_spki = Spki::from_key(ca.verifying_key()).expect("spki");
    let root = issue(root_spki, "CN=root", false, &ca, CA_LIFE);
    let spki = Spki::from_der(&testkey::spki()).expect("rsa spki");
    let leaf = issue(spki, "CN=tsa", true, &ca, TSA_LIFE);
    let sign: Sign = Box::new(|m| testkey::sign(Padding::Pkcs1v15, Hash::Sha256, m));
    let algs = (ID_SHA256, signature_alg);
    Tsa {
        root,
        leaf,
        sign,
        algs,
    }
}

fn trust(chain: &[&Vec<u8>]) -> Vec<Authority> {
    let (chain, valid_for) = (
        chain.iter().map(|c| c.to_vec()).collect(),
        ValidFor::default(),
    );
    vec![Authority { chain, valid_for }]
}

/// How to build a test token; [`VALID`] makes a good one.
#[derive(Clone, Copy)]
struct Opts {
    gen_time: &'static str,
    imprinted: &'static [u8],
    alg: ObjectIdentifier,
    content_type: ObjectIdentifier,
    embed_cert: bool,
    status: Option<u8>,
    signed_attrs: bool,
    signers: usize,
    tamper_tst: bool,
    flip_sig: bool,
}

const VALID: Opts = Opts {
    gen_time: "20250601120000Z",
    imprinted: SIG,
    alg: ID_SHA256,
    content_type: ID_CT_TST_INFO,
    embed_cert: true,
    status: None,
    signed_attrs: true,
    signers: 1,
    tamper_tst: false,
    flip_sig: false,
};

fn with(edit: impl FnOnce(&mut Opts)) -> Opts {
    let mut opts = VALID;
    edit(&mut opts);
    opts
}

/// DER of one element; contents under 64 KiB.
fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let body = parts.concat();
    let [hi, lo] = u16::try_from(body.len()).expect("short").to_be_bytes();
    let head = match body.len() {
        0..0x80 => vec![tag, lo],
        0x80..0x100 => vec![tag, 0x81, lo],
        _ => vec![tag, 0x82, hi, lo],
    };
    [head, body].concat()
}

fn token(tsa: &Tsa, o: Opts) -> Vec<u8> {
    let (seq, set) = (|p: &[&[u8]]| tlv(0x30, p), |p: &[&[u8]]| tlv(0x31, p));
    let (octets, id) = (
        |b: &[u8]| tlv(4, &[b]),
        |o: ObjectIdentifier| o.to_der().expect("oid"),
    );
    let alg = |oid| seq(&[&id(oid)]);
    let hash = |alg, data: &[u8]| hash_with(alg, data).unwrap_or_else(|| vec![0; 20]);
    let keep = |on: bool, der: Vec<u8>| if on { der } else { Vec::new() };
    let (dig, sig_alg) = tsa.algs;
    let int1: &[u8] = &[2, 1, 1];

    let imprint = seq(&[&alg(o.alg), &octets(&hash(o.alg, o.imprinted))]);
    let gen_time = tlv(0x18, &[o.gen_time.as_bytes()]);
    let mut tst = seq(&[int1, &id(oid("1.2.3")), &imprint, int1, &gen_time]);
    let content_type = seq(&[&id(ID_CONTENT_TYPE), &set(&[&id(o.content_type)])]);
    let digest = seq(&[&id(ID_MESSAGE_DIGEST), &set(&[&octets(&hash(dig, &tst))])]);
    let attrs = [content_type, digest].concat();
    let mut sig = (tsa.sign)(&set(&[&attrs]));
    if o.tamper_tst {
        *tst.iter_mut().rev().nth(1).expect("digit") ^= 1; // genTime's last digit
    }
    if o.flip_sig {
        *sig.last_mut().expect("sig") ^= 1;
    }
    let sid = seq(&[&name("CN=root").to_der().expect("der"), &[2, 1, 7]]);
    let attrs = keep(o.signed_attrs, tlv(0xA0, &[&attrs]));
    let signer = seq(&[int1, &sid, &alg(dig), &attrs, &alg(sig_alg), &octets(&sig)]);
    let certs = keep(o.embed_cert, tlv(0xA0, &[&tsa.leaf]));
    let encap = seq(&[&id(ID_CT_TST_INFO), &tlv(0xA0, &[&octets(&tst)])]);
    let (digest_algs, signers) = (set(&[&alg(dig)]), set(&vec![&signer[..]; o.signers]));
    let signed_data = seq(&[&[2, 1, 3], &digest_algs, &encap, &certs, &signers]);
    let content_info = seq(&[&id(ID_SIGNED_DATA), &tlv(0xA0, &[&signed_data])]);
    let status = o.status.map(|s| seq(&[&[2, 1, s]]));
    status.map_or(content_info.clone(), |s| seq(&[&s, &content_info]))
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

#[test]
fn rsa_timestamp_authorities_verify() {
    for alg in [SHA256_WITH_RSA, RSA_ENCRYPTION] {
        let tsa = make_rsa_tsa(alg);
        let root = trust(&[&tsa.root]);
        let got = verify_timestamp(&token(&tsa, VALID), SIG, &root);
        assert_eq!(got, Ok(at(GEN_TIME)), "{alg}");
        let flipped = token(&tsa, with(|o| o.flip_sig = true));
        let got = verify_timestamp(&flipped, SIG, &root);
        assert_eq!(got, Err(E::BadSignature(KeyError::Mismatch)));
    }
    // An ECDSA algorithm over an RSA key is refused, not tried as RSA.
    let tsa = make_rsa_tsa(ECDSA_WITH_SHA256);
    let got = verify_timestamp(&token(&tsa, VALID), SIG, &trust(&[&tsa.root]));
    assert_eq!(got, Err(E::BadSignature(KeyError::SchemeMismatch)));
}

#[test]
fn valid_tokens_verify_and_return_gen_time() {
    let tsa = make_tsa(0x11, false, true);
    let check = |opts, trust| verify_timestamp(&token(&tsa, opts), SIG, trust);
    let (root, both) = (trust(&[&tsa.root]), trust(&[&tsa.leaf, &tsa.root]));
    assert_eq!(check(VALID, &root), Ok(at(GEN_TIME)));
    // The TSA itself first in the trusted chain, embedded in the token or not.
    assert_eq!(check(VALID, &both), Ok(at(GEN_TIME)));
    let bare = with(|o| (o.status, o.embed_cert) = (Some(0), false));
    assert_eq!(check(bare, &both), Ok(at(GEN_TIME)));

    let tsa = make_tsa(0x11, true, true);
    let opts = with(|o| (o.alg, o.gen_time) = (ID_SHA512, "20250601120000.25Z"));
    let got = verify_timestamp(&token(&tsa, opts), SIG, &trust(&[&tsa.root]));
    assert_eq!(got, Ok(at("2025-06-01T12:00:00.25Z")));
}

#[test]
fn each_failed_check_has_its_own_error() {
    let tsa = make_tsa(0x11, false, true);
    let late = at("2027-01-01T00:00:00Z");
    let cases: [(Edit, E); 11] = [
        (|o| o.imprinted = b"another signature", E::ImprintMismatch),
        (|o| o.alg = SHA1, E::UnsupportedImprintAlgorithm(SHA1)),
        (|o| o.status = Some(2), E::NotGranted(2)),
        (|o| o.signers = 0, E::SignerCount(0)),
        (|o| o.signers = 2, E::SignerCount(2)),
        (|o| o.signed_attrs = false, E::MissingSignedAttributes),
        (|o| o.content_type = ID_SIGNED_DATA, E::ContentTypeAttribute),
        (|o| o.tamper_tst = true, E::MessageDigestMismatch),
        (|o| o.flip_sig = true, E::BadSignature(KeyError::Mismatch)),
        (|o| o.embed_cert = false, E::SignerCertificateNotFound),
        (
            |o| o.gen_time = "20270101000000Z",
            E::OutsideCertificateValidity(late),
        ),
    ];
    for (edit, want) in cases {
        let got = verify_timestamp(&token(&tsa, with(edit)), SIG, &trust(&[&tsa.root]));
        assert_eq!(got, Err(want.clone()), "expected {want}");
    }
}

#[test]
fn untrusted_or_unfit_tsa_is_refused() {
    let tsa = make_tsa(0x11, false, true);
    let der = token(&tsa, VALID);
    let other = make_tsa(0x33, false, true);
    let got = verify_timestamp(&der, SIG, &trust(&[&other.root]));
    assert_eq!(got, Err(E::UntrustedAuthority));
    assert_eq!(verify_timestamp(&der, SIG, &[]), Err(E::UntrustedAuthority));
    assert_eq!(
        verify_timestamp(&der, SIG, &trust(&[])),
        Err(E::UntrustedAuthority)
    );

    let window = ValidFor {
        start: Some(at("2025-07-01T00:00:00Z")),
        end: None,
    };
    let late = vec![Authority {
        chain: vec![tsa.root.clone()],
        valid_for: window,
    }];
    let got = verify_timestamp(&der, SIG, &late);
    assert_eq!(got, Err(E::OutsideAuthorityValidity(at(GEN_TIME))));

    let no_eku = make_tsa(0x11, false, false);
    let got = verify_timestamp(&token(&no_eku, VALID), SIG, &trust(&[&no_eku.root]));
    assert_eq!(got, Err(E::MissingTimestampingEku));
}

#[test]
fn truncated_garbage_and_oversized_input_is_refused_without_panicking() {
    let tsa = make_tsa(0x11, false, true);
    let root = trust(&[&tsa.root]);
    let der = token(&tsa, with(|o| o.status = Some(0)));
    let garbage: [&[u8]; 4] = [b"\x30\x00", b"\x30\x03\x02\x01\x00", b"junk", &[0xff; 300]];
    for input in (0..der.len()).map(|len| &der[..len]).chain(garbage) {
        let got = verify_timestamp(input, SIG, &root);
        assert!(matches!(got, Err(E::Malformed(_))), "{input:02x?}: {got:?}");
    }
    let huge = vec![0x30; MAX_TOKEN_LEN + 1];
    assert_eq!(verify_timestamp(&huge, SIG, &root), Err(E::TooLarge));
    // A corrupted byte fails cleanly or, where no check covers it
    // (version, digestAlgorithms), still verifies; it never panics.
    for i in (0..der.len()).step_by(3) {
        let mut bad = der.clone();
        bad[i] ^= 0x5a;
        let _ = verify_timestamp(&bad, SIG, &root);
    }
}

#[test]
fn generalized_time_forms() {
    let parse = |s: &str| parse_generalized_time(s.as_bytes());
    assert_eq!(parse("20250601120000Z"), Some(at(GEN_TIME)));
    let precise = at("2025-06-01T12:00:00.123456789Z");
    assert_eq!(parse("20250601120000.1234567891Z"), Some(precise));
    let bad = ["20250601120000", "20250601120000+0100", "202506011200Z"];
    let worse = ["20251301120000Z", "20250601120000.Z", "+0250601120000Z"];
    for bad in bad.into_iter().chain(worse) {
        assert_eq!(parse(bad), None, "{bad}");
    }
}
