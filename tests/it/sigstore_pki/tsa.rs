//! RFC 3161 signed timestamps as a Sigstore timestamp authority returns
//! them: a TimeStampResp (status granted) around CMS SignedData (RFC 5652)
//! whose eContent is a TSTInfo, signed by the TSA's P-256 key over the
//! content-type, message-digest and signing-certificate-v2 attributes.
//!
//! Written as DER by hand, like the certificates, so a test controls every
//! byte; nothing here is shared with the verifier's parser.

use der::{Decode as _, Encode as _};
use p256::ecdsa::SigningKey as P256Key;
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;

use super::rekor::sign;
use super::x509::{oid, seq, tlv, uint};

const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
/// The TSA's policy OID (any OID will do; verifiers do not pin it).
const POLICY: &str = "1.3.6.1.4.1.57264.2";

fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x31, &parts.concat())
}

fn octets(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

fn attribute(id: &str, value: Vec<u8>) -> Vec<u8> {
    seq(&[oid(id), set(&[value])])
}

/// A granted TimeStampResp over `imprinted` (SHA-256 message imprint),
/// stamped `gen_time` (unix seconds) by `key`, whose certificate `cert`
/// (DER) is embedded and named by issuer and serial.
pub fn response(key: &P256Key, cert: &[u8], imprinted: &[u8], gen_time: i64) -> Vec<u8> {
    let sha256 = || seq(&[oid(SHA256)]);
    let time = jiff::Timestamp::from_second(gen_time).expect("time in range");
    let tst_info = seq(&[
        uint(&[1]),
        oid(POLICY),
        seq(&[sha256(), octets(&Sha256::digest(imprinted))]),
        uint(&Sha256::digest(imprinted)[..8]), // serialNumber: unique per request
        tlv(0x18, time.strftime("%Y%m%d%H%M%SZ").to_string().as_bytes()),
        uint(&[0x5e, 0xed]), // nonce
    ]);

    // DER sorts a SET OF by encoding; the signature covers the attributes
    // re-tagged as that SET OF, not as the [0] they travel in.
    let mut attrs = vec![
        attribute(CONTENT_TYPE, oid(TST_INFO)),
        attribute(MESSAGE_DIGEST, octets(&Sha256::digest(&tst_info))),
        // ESSCertIDv2 with the default (SHA-256) hash left out.
        attribute(
            SIGNING_CERTIFICATE_V2,
            seq(&[seq(&[seq(&[octets(&Sha256::digest(cert))])])]),
        ),
    ];
    attrs.sort();
    let signature = sign(key, &set(&attrs));

    let parsed = Certificate::from_der(cert).expect("TSA certificate");
    let tbs = parsed.tbs_certificate();
    let sid = seq(&[
        tbs.issuer().to_der().expect("issuer"),
        tbs.serial_number().to_der().expect("serial"),
    ]);
    let signer_info = seq(&[
        uint(&[1]),
        sid,
        sha256(),
        tlv(0xa0, &attrs.concat()),
        seq(&[oid(ECDSA_SHA256)]),
        octets(&signature),
    ]);
    let signed_data = seq(&[
        uint(&[3]),
        set(&[sha256()]),
        seq(&[oid(TST_INFO), tlv(0xa0, &octets(&tst_info))]),
        tlv(0xa0, cert),
        set(&[signer_info]),
    ]);
    let token = seq(&[oid(SIGNED_DATA), tlv(0xa0, &signed_data)]);
    seq(&[seq(&[uint(&[0])]), token])
}
