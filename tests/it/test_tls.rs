//! A test certificate authority and TLS server settings made from it:
//! certificates built with x509-cert's builder from fixed keys, the CA as a
//! PEM file for a user `.npmrc`'s `cafile`, and rustls server
//! configurations for the fake servers.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use der::Encode as _;
use der::asn1::{Ia5String, OctetString, UtcTime};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePrivateKey as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use x509_cert::builder::{Builder as _, CertificateBuilder, profile::BuilderProfile};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
};
use x509_cert::name::Name;
use x509_cert::spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};

/// `id-kp-serverAuth`.
const SERVER_AUTH: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");

/// Certificates named `subject`, issued by `issuer`; extensions are added
/// on the builder.
struct Names {
    issuer: Name,
    subject: Name,
}

impl BuilderProfile for Names {
    fn get_issuer(&self, _: &Name) -> Name {
        self.issuer.clone()
    }
    fn get_subject(&self) -> Name {
        self.subject.clone()
    }
    fn build_extensions(
        &self,
        _: SubjectPublicKeyInfoRef<'_>,
        _: SubjectPublicKeyInfoRef<'_>,
        _: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<x509_cert::ext::Extension>> {
        Ok(Vec::new())
    }
}

/// A CA whose certificate sits in a PEM file, to trust as `cafile`.
pub struct TestCa {
    key: SigningKey,
    name: Name,
    _dir: tempfile::TempDir,
    cafile: PathBuf,
}

fn key(seed: u8) -> SigningKey {
    let mut bytes = [0x42u8; 32];
    bytes[0] = seed;
    SigningKey::from_bytes(&bytes.into()).expect("valid scalar")
}

/// 2024-01-01 to 2049-12-31: valid whenever the tests run.
fn validity() -> Validity {
    let time = |t| Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(t)).expect("t"));
    Validity::new(time(1_704_067_200), time(2_524_521_600))
}

impl TestCa {
    /// The CA `CN=lockproof test CA`, its certificate written to a PEM file.
    pub fn new() -> Self {
        let key = key(1);
        let name = Name::from_str("CN=lockproof test CA").expect("name");
        let spki = SubjectPublicKeyInfoOwned::from_key(key.verifying_key()).expect("spki");
        let profile = Names {
            issuer: name.clone(),
            subject: name.clone(),
        };
        let mut builder =
            CertificateBuilder::new(profile, 1u32.into(), validity(), spki).expect("builder");
        let ca = BasicConstraints {
            ca: true,
            path_len_constraint: None,
        };
        builder.add_extension((true, &ca)).expect("ext");
        let usage = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        builder.add_extension((true, &usage)).expect("ext");
        let cert = builder.build::<_, DerSignature>(&key).expect("cert");
        let pem = pem(&cert.to_der().expect("der"));
        let dir = tempfile::tempdir().expect("temp dir");
        let cafile = dir.path().join("test-ca.pem");
        std::fs::write(&cafile, pem).expect("write cafile");
        Self {
            key,
            name,
            _dir: dir,
            cafile,
        }
    }

    /// The PEM file of the CA certificate.
    pub fn cafile(&self) -> &Path {
        &self.cafile
    }

    /// A server configuration presenting a certificate for `names` (DNS
    /// names, or IP addresses), issued by this CA.
    pub fn server(&self, names: &[&str]) -> Arc<rustls::ServerConfig> {
        let leaf_key = key(2);
        let spki = SubjectPublicKeyInfoOwned::from_key(leaf_key.verifying_key()).expect("spki");
        let profile = Names {
            issuer: self.name.clone(),
            subject: Name::from_str("CN=lockproof test server").expect("name"),
        };
        let mut builder =
            CertificateBuilder::new(profile, 2u32.into(), validity(), spki).expect("builder");
        let sans = names
            .iter()
            .map(|n| match IpAddr::from_str(n) {
                Ok(IpAddr::V4(ip)) => {
                    GeneralName::IpAddress(OctetString::new(ip.octets().to_vec()).expect("ip"))
                }
                Ok(IpAddr::V6(ip)) => {
                    GeneralName::IpAddress(OctetString::new(ip.octets().to_vec()).expect("ip"))
                }
                Err(_) => GeneralName::DnsName(Ia5String::new(n).expect("dns name")),
            })
            .collect();
        builder
            .add_extension((false, &SubjectAltName(sans)))
            .expect("ext");
        let eku = ExtendedKeyUsage(vec![SERVER_AUTH]);
        builder.add_extension((false, &eku)).expect("ext");
        let usage = KeyUsage(KeyUsages::DigitalSignature.into());
        builder.add_extension((true, &usage)).expect("ext");
        let cert = builder.build::<_, DerSignature>(&self.key).expect("cert");
        let cert_der = cert.to_der().expect("der");
        let key_der = leaf_key.to_pkcs8_der().expect("pkcs8");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert_der)],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der.as_bytes().to_vec())),
            )
            .expect("server certificate");
        Arc::new(config)
    }
}

/// A certificate as PEM.
fn pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The base64 of `user:password`, as a `Basic` header carries it.
pub fn basic(user: &str, password: &str) -> String {
    STANDARD.encode(format!("{user}:{password}"))
}
