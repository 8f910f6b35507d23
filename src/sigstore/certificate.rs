//! Fulcio leaf certificates: parsing, the chain to a trusted CA, and the
//! signer identity the certificate binds (SAN and Fulcio extensions).
//!
//! The chain is built from the trusted root only: intermediates a bundle
//! carries are ignored, as the Sigstore client spec says, so a bundle cannot
//! bring its own CA. Every certificate on the path must be valid at the
//! time the transparency log (or a timestamp authority) vouches for, not at
//! "now": Fulcio leaves live ten minutes.

use const_oid::ObjectIdentifier;
use der::{Decode as _, Encode as _};
use jiff::Timestamp;
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, SubjectAltName};

use super::algorithm;
use super::authority::Authority;
use super::keys::{KeyError, PublicKey};

const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
/// Fulcio's extension arc, 1.3.6.1.4.1.57264.1.
const FULCIO: &str = "1.3.6.1.4.1.57264.1.";

/// The identity a Fulcio certificate binds, as the report shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The subject alternative name (a workflow URI or an email).
    pub san: Option<String>,
    /// The OIDC issuer (extension .8, or the legacy .1).
    pub issuer: Option<String>,
    /// Build signer URI, the workflow that signed (.9).
    pub build_signer_uri: Option<String>,
    /// Runner environment, `github-hosted` or `self-hosted` (.11).
    pub runner_environment: Option<String>,
    /// Source repository URI (.12).
    pub source_repository_uri: Option<String>,
    /// Source repository commit digest (.13).
    pub source_repository_digest: Option<String>,
    /// Source repository ref, e.g. `refs/tags/v1.0.0` (.14).
    pub source_repository_ref: Option<String>,
    /// Build config URI (.18).
    pub build_config_uri: Option<String>,
    /// Build trigger event, e.g. `push` (.20).
    pub build_trigger: Option<String>,
    /// Run invocation URI, the CI run (.21).
    pub run_invocation_uri: Option<String>,
}

/// A parsed leaf certificate.
#[derive(Debug, Clone)]
pub struct Leaf {
    cert: Certificate,
    /// The certificate's key, which signed the bundle's content.
    pub key: PublicKey,
    /// The identity it binds.
    pub identity: Identity,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
}

/// Why a certificate was refused; each variant names the check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// Not DER X.509, or an extension that does not decode.
    #[error("certificate is malformed: {0}")]
    Malformed(String),
    /// The leaf's key is of a type lockproof cannot verify with.
    #[error("certificate key: {0}")]
    Key(KeyError),
    /// A CA certificate used as a signing leaf.
    #[error("leaf certificate is a CA certificate")]
    LeafIsCa,
    /// No code-signing extended key usage.
    #[error("leaf certificate lacks the code-signing extended key usage")]
    NotCodeSigning,
    /// The certificate was not valid at the verified time.
    #[error("{which} certificate was not valid at {at} (valid {not_before} to {not_after})")]
    NotValidAt {
        /// Which certificate of the path.
        which: &'static str,
        /// The verified time.
        at: Timestamp,
        /// Its start of validity.
        not_before: Timestamp,
        /// Its end of validity.
        not_after: Timestamp,
    },
    /// No CA of the trusted root issued the leaf (at that time).
    #[error("leaf certificate does not chain to a trusted Fulcio CA valid at {0}")]
    Untrusted(Timestamp),
    /// A certificate signed with an algorithm lockproof does not verify.
    #[error("unsupported certificate signature algorithm {0}")]
    Algorithm(String),
}

impl Leaf {
    /// Parses a DER leaf certificate and reads its identity.
    pub fn from_der(der: &[u8]) -> Result<Leaf, CertError> {
        let cert = Certificate::from_der(der).map_err(|e| CertError::Malformed(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| CertError::Malformed(e.to_string()))?;
        let key = PublicKey::from_spki_der(&spki).map_err(CertError::Key)?;
        let (not_before, not_after) = validity(&cert)?;
        let identity = identity(&cert)?;
        Ok(Leaf {
            cert,
            key,
            identity,
            not_before,
            not_after,
        })
    }

    /// The parsed certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// Checks the leaf's own constraints (not a CA, code-signing EKU) and
    /// its chain to a CA of `authorities`, all at time `at`. Returns the
    /// issuing certificate, which the SCT check needs.
    pub fn verify_chain(
        &self,
        authorities: &[Authority],
        at: Timestamp,
    ) -> Result<Certificate, CertError> {
        let tbs = self.cert.tbs_certificate();
        if let Ok(Some((_, bc))) = tbs.get_extension::<BasicConstraints>()
            && bc.ca
        {
            return Err(CertError::LeafIsCa);
        }
        match tbs.get_extension::<ExtendedKeyUsage>() {
            Ok(Some((_, eku))) if eku.0.contains(&CODE_SIGNING) => {}
            Ok(_) => return Err(CertError::NotCodeSigning),
            Err(e) => return Err(CertError::Malformed(e.to_string())),
        }
        valid_at("leaf", self.not_before, self.not_after, at)?;
        let leaf_der = self
            .cert
            .to_der()
            .map_err(|e| CertError::Malformed(e.to_string()))?;
        let mut last_error = CertError::Untrusted(at);
        for authority in authorities.iter().filter(|a| a.valid_for.contains(at)) {
            match verify_path(&leaf_der, &authority.chain, at) {
                Ok(issuer) => return Ok(issuer),
                Err(e @ CertError::NotValidAt { .. }) => last_error = e,
                Err(_) => {}
            }
        }
        Err(last_error)
    }
}

/// Checks `child` (DER) against an authority's `chain` (issuer first, root
/// last) at time `at`: the issuer's signature on it, and every
/// certificate's validity at `at`. The links inside the chain are checked
/// once, when the trusted root is loaded ([`verify_authority`]): they are
/// the same for every bundle, and P-384 verification is the dearest step.
/// Returns the certificate that issued `child`.
pub fn verify_path(
    child: &[u8],
    chain: &[Vec<u8>],
    at: Timestamp,
) -> Result<Certificate, CertError> {
    let mut issuer_of_child = None;
    for (depth, der) in chain.iter().enumerate() {
        let cert = Certificate::from_der(der).map_err(|e| CertError::Malformed(e.to_string()))?;
        if depth == 0 {
            verify_signed_by(child, &cert)?;
        }
        let (nb, na) = validity(&cert)?;
        valid_at(
            if depth == 0 { "issuing CA" } else { "root CA" },
            nb,
            na,
            at,
        )?;
        if depth == 0 {
            issuer_of_child = Some(cert);
        }
    }
    issuer_of_child.ok_or(CertError::Untrusted(at))
}

/// Checks a trusted root's CA chain (issuer of leaves first, root last):
/// each certificate is signed by the next, and the last signs itself.
pub fn verify_authority(chain: &[Vec<u8>]) -> Result<(), CertError> {
    let certs = chain
        .iter()
        .map(|der| Certificate::from_der(der).map_err(|e| CertError::Malformed(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, der) in chain.iter().enumerate() {
        let issuer = certs
            .get(i + 1)
            .or(certs.last())
            .ok_or(CertError::Untrusted(Timestamp::UNIX_EPOCH))?;
        verify_signed_by(der, issuer)?;
    }
    Ok(())
}

/// Verifies that `child_der`'s signature was made by `issuer`'s key, and
/// that the names link.
fn verify_signed_by(child_der: &[u8], issuer: &Certificate) -> Result<(), CertError> {
    let child =
        Certificate::from_der(child_der).map_err(|e| CertError::Malformed(e.to_string()))?;
    if child.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
        return Err(CertError::Untrusted(Timestamp::UNIX_EPOCH));
    }
    let spki = issuer
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| CertError::Malformed(e.to_string()))?;
    let key = PublicKey::from_spki_der(&spki).map_err(CertError::Key)?;
    // The signed TBS names the algorithm too; an outer one that differs
    // is not what the issuer signed for.
    if child.signature_algorithm() != child.tbs_certificate().signature() {
        return Err(CertError::Algorithm(
            "outer and signed algorithms differ".into(),
        ));
    }
    let algorithm = child.signature_algorithm();
    let params = algorithm.parameters.as_ref().map(der::asn1::AnyRef::from);
    let scheme = algorithm::scheme(algorithm.oid, params)
        .ok_or_else(|| CertError::Algorithm(algorithm.oid.to_string()))?;
    let tbs = tbs_bytes(child_der).ok_or_else(|| CertError::Malformed("no TBS".into()))?;
    let signature = child
        .signature()
        .as_bytes()
        .ok_or_else(|| CertError::Malformed("signature has unused bits".into()))?;
    match key.verify_scheme(scheme, tbs, signature) {
        Ok(()) => Ok(()),
        Err(KeyError::SchemeMismatch) => Err(CertError::Algorithm(format!(
            "{} with the issuer's key",
            algorithm.oid
        ))),
        Err(_) => Err(CertError::Untrusted(Timestamp::UNIX_EPOCH)),
    }
}

/// The exact TBSCertificate bytes of a DER certificate: the first element
/// of the outer SEQUENCE. Signatures cover these bytes as they were, so
/// they are sliced out rather than re-encoded.
pub fn tbs_bytes(cert: &[u8]) -> Option<&[u8]> {
    let (_, outer) = tlv(cert)?;
    let (tbs_len, _) = tlv(outer)?;
    outer.get(..tbs_len)
}

/// Splits one DER TLV: returns (total length of the TLV, its contents).
fn tlv(data: &[u8]) -> Option<(usize, &[u8])> {
    let first_len = *data.get(1)?;
    let (header, len) = if first_len < 0x80 {
        (2, usize::from(first_len))
    } else {
        let n = usize::from(first_len & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = data.get(2..2 + n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (2 + n, len)
    };
    let end = header.checked_add(len)?;
    Some((end, data.get(header..end)?))
}

fn valid_at(
    which: &'static str,
    not_before: Timestamp,
    not_after: Timestamp,
    at: Timestamp,
) -> Result<(), CertError> {
    if not_before <= at && at <= not_after {
        Ok(())
    } else {
        Err(CertError::NotValidAt {
            which,
            at,
            not_before,
            not_after,
        })
    }
}

fn validity(cert: &Certificate) -> Result<(Timestamp, Timestamp), CertError> {
    let v = cert.tbs_certificate().validity();
    let ts = |t: x509_cert::time::Time| {
        let d = t.to_unix_duration();
        i64::try_from(d.as_secs())
            .ok()
            .and_then(|s| Timestamp::from_second(s).ok())
            .ok_or_else(|| CertError::Malformed("validity out of range".into()))
    };
    Ok((ts(v.not_before)?, ts(v.not_after)?))
}

fn identity(cert: &Certificate) -> Result<Identity, CertError> {
    let tbs = cert.tbs_certificate();
    let mut id = Identity::default();
    if let Some((_, san)) = tbs
        .get_extension::<SubjectAltName>()
        .map_err(|e| CertError::Malformed(format!("subject alternative name: {e}")))?
    {
        id.san = san.0.iter().find_map(|name| match name {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            GeneralName::Rfc822Name(email) => Some(email.to_string()),
            _ => None,
        });
    }
    // Certificates before Fulcio's v2 extensions (early 2023) carry the
    // GitHub workflow facts in .3 (commit), .5 (owner/repo) and .6 (ref).
    let mut legacy_issuer = None;
    let mut legacy_commit = None;
    let mut legacy_repository = None;
    let mut legacy_ref = None;
    for ext in tbs.extensions().into_iter().flatten() {
        let oid = ext.extn_id.to_string();
        let Some(arc) = oid.strip_prefix(FULCIO) else {
            continue;
        };
        let raw = ext.extn_value.as_bytes();
        // Extensions .1 to .7 hold the raw string; from .8 on Fulcio wraps
        // each value in a DER UTF8String.
        let value = if arc.parse::<u32>().is_ok_and(|n| n >= 8) {
            der::asn1::Utf8StringRef::from_der(raw)
                .map(|s| s.as_str().to_owned())
                .map_err(|e| CertError::Malformed(format!("Fulcio extension {oid}: {e}")))?
        } else {
            String::from_utf8_lossy(raw).into_owned()
        };
        let slot = match arc {
            "1" => &mut legacy_issuer,
            "3" => &mut legacy_commit,
            "5" => &mut legacy_repository,
            "6" => &mut legacy_ref,
            "8" => &mut id.issuer,
            "9" => &mut id.build_signer_uri,
            "11" => &mut id.runner_environment,
            "12" => &mut id.source_repository_uri,
            "13" => &mut id.source_repository_digest,
            "14" => &mut id.source_repository_ref,
            "18" => &mut id.build_config_uri,
            "20" => &mut id.build_trigger,
            "21" => &mut id.run_invocation_uri,
            _ => continue,
        };
        *slot = Some(value);
    }
    id.issuer = id.issuer.or(legacy_issuer);
    id.source_repository_digest = id.source_repository_digest.or(legacy_commit);
    id.source_repository_ref = id.source_repository_ref.or(legacy_ref);
    id.source_repository_uri = id
        .source_repository_uri
        .or_else(|| legacy_repository.map(|r| format!("https://github.com/{r}")));
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_slicing_is_bounded() {
        assert_eq!(tbs_bytes(&[]), None);
        assert_eq!(tbs_bytes(&[0x30, 0x03, 0x30, 0x05, 0x00]), None);
        assert_eq!(tbs_bytes(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(
            tbs_bytes(&[0x30, 0x04, 0x30, 0x02, 0x05, 0x00]),
            Some(&[0x30, 0x02, 0x05, 0x00][..])
        );
    }

    mod rsa_ca {
        //! A certificate builder signer over the RSA test key, so chains
        //! with RSA signatures can be made in tests.

        use der::asn1::Null;
        use x509_cert::spki::{
            self, AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
        };

        use crate::sigstore::algorithm::SHA256_WITH_RSA;
        use crate::sigstore::rsa::testkey;

        pub struct Signer;

        #[derive(Clone)]
        pub struct Public;

        impl EncodePublicKey for Public {
            fn to_public_key_der(&self) -> spki::Result<der::Document> {
                Ok(der::Document::try_from(testkey::spki())?)
            }
        }

        impl signature::Keypair for Signer {
            type VerifyingKey = Public;
            fn verifying_key(&self) -> Public {
                Public
            }
        }

        impl DynSignatureAlgorithmIdentifier for Signer {
            fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
                Ok(AlgorithmIdentifierOwned {
                    oid: SHA256_WITH_RSA,
                    parameters: Some(Null.into()),
                })
            }
        }
    }

    /// Names a certificate `self.0`, issued by `CN=rsa root`, with no
    /// extensions.
    struct Named(&'static str);

    impl x509_cert::builder::profile::BuilderProfile for Named {
        fn get_issuer(&self, _: &x509_cert::name::Name) -> x509_cert::name::Name {
            "CN=rsa root".parse().expect("name")
        }
        fn get_subject(&self) -> x509_cert::name::Name {
            self.0.parse().expect("name")
        }
        fn build_extensions(
            &self,
            _: x509_cert::spki::SubjectPublicKeyInfoRef<'_>,
            _: x509_cert::spki::SubjectPublicKeyInfoRef<'_>,
            _: &x509_cert::TbsCertificate,
        ) -> x509_cert::builder::Result<Vec<x509_cert::ext::Extension>> {
            Ok(Vec::new())
        }
    }

    /// A certificate named `subject` for `spki`, signed by the RSA test key
    /// as `CN=rsa root`; `tamper` flips the signature's last bit.
    fn rsa_signed(subject: &'static str, spki: &[u8], tamper: bool) -> Vec<u8> {
        use crate::sigstore::keys::Hash;
        use crate::sigstore::rsa::{Padding, testkey};
        use x509_cert::builder::{Builder as _, CertificateBuilder};
        use x509_cert::spki::SubjectPublicKeyInfoOwned;
        use x509_cert::time::Validity;

        let spki = SubjectPublicKeyInfoOwned::from_der(spki).expect("spki");
        let validity = Validity::from_now(std::time::Duration::from_secs(3600)).expect("validity");
        let serial = x509_cert::serial_number::SerialNumber::new(&[9]).expect("serial");
        let mut builder =
            CertificateBuilder::new(Named(subject), serial, validity, spki).expect("builder");
        let tbs = builder.finalize(&rsa_ca::Signer).expect("tbs");
        let mut sig = testkey::sign(Padding::Pkcs1v15, Hash::Sha256, &tbs);
        if tamper && let Some(last) = sig.last_mut() {
            *last ^= 1;
        }
        let sig = der::asn1::BitString::from_bytes(&sig).expect("bits");
        let cert = builder.assemble(sig, &rsa_ca::Signer).expect("cert");
        cert.to_der().expect("der")
    }

    #[test]
    fn a_ca_chain_signed_with_rsa_verifies_and_a_bad_signature_does_not() {
        use crate::sigstore::rsa::testkey;
        use p256::pkcs8::EncodePublicKey as _;
        let root = rsa_signed("CN=rsa root", &testkey::spki(), false);
        let p256 = p256::ecdsa::SigningKey::from_bytes(&[5u8; 32].into()).expect("scalar");
        let child_spki = p256.verifying_key().to_public_key_der().expect("spki");
        let child = rsa_signed("CN=child", child_spki.as_bytes(), false);
        assert_eq!(verify_authority(&[child.clone(), root.clone()]), Ok(()));
        let forged = rsa_signed("CN=child", child_spki.as_bytes(), true);
        assert!(matches!(
            verify_authority(&[forged, root]),
            Err(CertError::Untrusted(_))
        ));
    }

    #[test]
    fn garbage_is_a_malformed_certificate() {
        assert!(matches!(
            Leaf::from_der(b"\x30\x03\x02\x01\x01"),
            Err(CertError::Malformed(_))
        ));
    }
}
