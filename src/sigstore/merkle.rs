//! Transparency-log proofs: RFC 6962 / RFC 9162 inclusion proofs and the
//! signed checkpoints (c2sp.org signed notes) that Rekor issues for them.
//!
//! An inclusion proof only shows that a leaf hashes up to some root; the
//! root means something once the log has signed it. Rekor bundles carry
//! both, so a caller checks the checkpoint's signature against the log key
//! from the trusted root, then that the checkpoint names the proof's tree
//! size and root, then the proof itself: [`verify_proof_against_checkpoint`]
//! does all three in that order.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

use super::authority::LogKey;
use super::keys::{KeyError, PublicKey};

/// What a signature line starts with: U+2014 EM DASH and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// The Go reference implementation refuses notes with more signatures than
/// this; matching it keeps a hostile note from costing unbounded work.
const MAX_SIGNATURES: usize = 100;

/// Why an inclusion proof or a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is not below tree size {tree_size}")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        tree_size: u64,
    },
    /// The proof has more or fewer hashes than the index and size call for.
    #[error("inclusion proof has {got} hashes where {want} are needed")]
    WrongProofLength {
        /// Hashes in the proof.
        got: usize,
        /// Hashes a proof for this index and size has.
        want: usize,
    },
    /// The proof hashes up to a different root.
    #[error("inclusion proof does not hash up to the expected root")]
    RootMismatch,
    /// No blank line separates the note body from its signatures.
    #[error("checkpoint has no blank line before its signatures")]
    MissingBlankLine,
    /// The note holds a control character other than newline.
    #[error("checkpoint contains a control character")]
    ControlCharacter,
    /// The body lacks the origin, size or root hash line.
    #[error("checkpoint body lacks origin, tree size or root hash line")]
    TruncatedBody,
    /// The origin line is empty.
    #[error("checkpoint origin line is empty")]
    EmptyOrigin,
    /// The size line is not a canonical decimal number.
    #[error("checkpoint tree size is not a decimal number")]
    BadSize,
    /// The size line is a decimal number too large for 64 bits.
    #[error("checkpoint tree size does not fit in 64 bits")]
    SizeOverflow,
    /// The root hash line is not base64 of 32 bytes.
    #[error("checkpoint root hash is not base64 of 32 bytes")]
    BadRootHash,
    /// An extension line is empty.
    #[error("checkpoint has an empty extension line")]
    EmptyExtension,
    /// Nothing follows the blank line.
    #[error("checkpoint has no signature lines")]
    NoSignatures,
    /// The last signature line lacks its newline.
    #[error("checkpoint signature block does not end in a newline")]
    UnterminatedSignature,
    /// A signature line is not `— <name> <base64>`.
    #[error("checkpoint signature line is not an em dash, key name and base64")]
    BadSignatureLine,
    /// A signature's base64 does not decode.
    #[error("checkpoint signature is not valid base64")]
    BadSignatureBase64,
    /// A signature too short to hold a key hint and any signature bytes.
    #[error("checkpoint signature is shorter than a key hint and a signature")]
    ShortSignature,
    /// More signature lines than any honest note carries.
    #[error("checkpoint has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// No signature line carries the log key's hint.
    #[error("no checkpoint signature is from the log key")]
    NoMatchingSignature,
    /// A signature with the log key's hint does not verify.
    #[error("checkpoint signature from the log key does not verify: {0}")]
    BadCheckpointSignature(#[source] KeyError),
    /// The checkpoint is for a different tree size than the proof.
    #[error("checkpoint tree size {checkpoint} differs from the proof's {proof}")]
    CheckpointSizeMismatch {
        /// The size the checkpoint signs.
        checkpoint: u64,
        /// The size the proof claims.
        proof: u64,
    },
    /// The checkpoint signs a different root than the proof's.
    #[error("checkpoint root hash differs from the proof's root hash")]
    CheckpointRootMismatch,
}

/// The RFC 6962 hash of a log entry: SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    Sha256::digest([&[0x00], entry].concat()).into()
}

/// The RFC 6962 hash of an interior node; the 0x01 prefix keeps a node from
/// ever passing for a leaf.
fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    Sha256::digest([&[0x01][..], left, right].concat()).into()
}

/// Checks that `leaf` (a [`leaf_hash`]) sits at `index` in the tree of
/// `tree_size` leaves whose root is `root`, per RFC 9162 §2.1.3.2.
pub fn verify_inclusion(
    leaf: &[u8; 32],
    index: u64,
    tree_size: u64,
    proof: &[[u8; 32]],
    root: &[u8; 32],
) -> Result<(), MerkleError> {
    if index >= tree_size {
        return Err(MerkleError::IndexOutOfRange { index, tree_size });
    }
    let last = tree_size - 1;
    // The path splits into levels below the point where the leaf's path and
    // the last leaf's path join (one sibling each) and the levels above it,
    // where only the left subtrees hanging off the right border need a hash.
    // Counting them up front tells a wrong-length proof from a wrong hash.
    let inner = (u64::BITS - (index ^ last).leading_zeros()) as usize;
    // `inner` reaches 64 for trees past 2^63 leaves; a plain shift would
    // overflow there.
    let border = u32::try_from(inner)
        .ok()
        .and_then(|n| index.checked_shr(n))
        .unwrap_or(0)
        .count_ones() as usize;
    if proof.len() != inner + border {
        return Err(MerkleError::WrongProofLength {
            got: proof.len(),
            want: inner + border,
        });
    }
    let (mut fnode, mut snode, mut hash) = (index, last, *leaf);
    for sibling in proof {
        if fnode & 1 == 1 || fnode == snode {
            hash = node_hash(sibling, &hash);
            // A right-border node with no right sibling is promoted as is.
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            hash = node_hash(&hash, sibling);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    let complete = snode == 0 && hash == *root;
    complete.then_some(()).ok_or(MerkleError::RootMismatch)
}

/// One signature line of a signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name the line gives.
    pub name: String,
    /// The 4-byte hint naming the signing key.
    pub key_hint: [u8; 4],
    /// The signature proper: DER for ECDSA, 64 raw bytes for Ed25519.
    pub signature: Vec<u8>,
}

/// A log checkpoint (c2sp.org/tlog-checkpoint) in its signed-note envelope.
///
/// Only [`Checkpoint::parse`] makes one, so the signed body it keeps is
/// always the text the fields were read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line, e.g. `rekor.sigstore.dev - 1193050959916656506`.
    pub origin: String,
    /// The tree size the log commits to.
    pub size: u64,
    /// The root hash of the tree of that size.
    pub root_hash: [u8; 32],
    /// Body lines after the root hash, uninterpreted.
    pub extensions: Vec<String>,
    /// The signature lines, in order.
    pub signatures: Vec<NoteSignature>,
    /// The note body as signed, through its final newline.
    body: String,
}

impl Checkpoint {
    /// Parses a signed note such as a Rekor bundle's
    /// `inclusionProof.checkpoint.envelope`, without checking signatures.
    pub fn parse(envelope: &str) -> Result<Checkpoint, MerkleError> {
        // Tabs, carriage returns and the like would let two notes that print
        // alike sign differently, so the format allows only newlines.
        if envelope.chars().any(|c| c.is_ascii_control() && c != '\n') {
            return Err(MerkleError::ControlCharacter);
        }
        // Signature lines are never empty, so the last blank line is the
        // separator whatever the body holds.
        let (text, sigs) = envelope
            .rsplit_once("\n\n")
            .ok_or(MerkleError::MissingBlankLine)?;
        let signatures = parse_signatures(sigs)?;

        let mut lines = text.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(MerkleError::TruncatedBody);
        };
        if origin.is_empty() {
            return Err(MerkleError::EmptyOrigin);
        }
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(MerkleError::EmptyExtension);
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size: parse_size(size)?,
            root_hash: STANDARD
                .decode(root)
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .ok_or(MerkleError::BadRootHash)?,
            extensions,
            signatures,
            // The signed message ends with the body's last newline, which
            // the blank-line split left on the separator side.
            body: format!("{text}\n"),
        })
    }

    /// Checks the checkpoint is signed by `key`: at least one signature
    /// carries the key's hint, and every one that does verifies over the
    /// note body. Signatures with other hints (witnesses) are ignored.
    pub fn verify(&self, key: &LogKey) -> Result<(), MerkleError> {
        let mut found = false;
        for sig in self.signatures.iter().filter(|sig| hint_matches(key, sig)) {
            found = true;
            // A 4-byte hint can collide by chance or by design, but a bad
            // signature under the log's own hint is never waved through.
            key.key
                .verify(self.body.as_bytes(), &sig.signature)
                .map_err(MerkleError::BadCheckpointSignature)?;
        }
        found.then_some(()).ok_or(MerkleError::NoMatchingSignature)
    }
}

/// Checks an inclusion proof against a checkpoint signed by `key`: the
/// signature, then that the checkpoint names the proof's tree size and root,
/// then the proof. The signature comes first because without it the
/// checkpoint's size and root are the submitter's word.
pub fn verify_proof_against_checkpoint(
    leaf: &[u8; 32],
    index: u64,
    tree_size: u64,
    proof: &[[u8; 32]],
    root: &[u8; 32],
    checkpoint: &Checkpoint,
    key: &LogKey,
) -> Result<(), MerkleError> {
    checkpoint.verify(key)?;
    if checkpoint.size != tree_size {
        return Err(MerkleError::CheckpointSizeMismatch {
            checkpoint: checkpoint.size,
            proof: tree_size,
        });
    }
    if checkpoint.root_hash != *root {
        return Err(MerkleError::CheckpointRootMismatch);
    }
    verify_inclusion(leaf, index, tree_size, proof, root)
}

/// Reads the size line, which tlog-checkpoint requires in canonical decimal:
/// no sign, no leading zeros, so each size has exactly one signed spelling.
fn parse_size(line: &str) -> Result<u64, MerkleError> {
    if line.is_empty()
        || !line.bytes().all(|b| b.is_ascii_digit())
        || (line.len() > 1 && line.starts_with('0'))
    {
        return Err(MerkleError::BadSize);
    }
    // All digits, so the only way left to fail is overflow.
    line.parse().map_err(|_| MerkleError::SizeOverflow)
}

/// Reads the signature block: one or more `— <name> <base64>` lines, each
/// ended by a newline.
fn parse_signatures(block: &str) -> Result<Vec<NoteSignature>, MerkleError> {
    if block.is_empty() {
        return Err(MerkleError::NoSignatures);
    }
    let lines = block
        .strip_suffix('\n')
        .ok_or(MerkleError::UnterminatedSignature)?;
    let mut signatures = Vec::new();
    for line in lines.split('\n') {
        if signatures.len() == MAX_SIGNATURES {
            return Err(MerkleError::TooManySignatures);
        }
        let (name, b64) = line
            .strip_prefix(SIGNATURE_PREFIX)
            .and_then(|rest| rest.split_once(' '))
            .ok_or(MerkleError::BadSignatureLine)?;
        // Key names may not hold spaces or '+', which keeps the name/base64
        // split unambiguous and names distinct from the Go key format.
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '+') {
            return Err(MerkleError::BadSignatureLine);
        }
        let raw = STANDARD
            .decode(b64)
            .map_err(|_| MerkleError::BadSignatureBase64)?;
        let (key_hint, signature) = raw
            .split_first_chunk::<4>()
            .filter(|(_, rest)| !rest.is_empty())
            .ok_or(MerkleError::ShortSignature)?;
        signatures.push(NoteSignature {
            name: name.to_owned(),
            key_hint: *key_hint,
            signature: signature.to_vec(),
        });
    }
    Ok(signatures)
}

/// Whether a signature line claims to be from `key`.
///
/// Two conventions meet here. Rekor v1 signs with ECDSA, which signed-note
/// assigns no key ID scheme, and uses the first 4 bytes of its log ID (the
/// SHA-256 of the key's SubjectPublicKeyInfo). Rekor v2 and other c2sp logs
/// use Ed25519 note keys, whose key ID is SHA-256(name || "\n" || 0x01 ||
/// public key) cut to 4 bytes; the public-good trusted root happens to give
/// that full hash as the log ID, but a root that gives the SPKI hash instead
/// must still work, so for Ed25519 the c2sp ID is computed as well.
fn hint_matches(key: &LogKey, sig: &NoteSignature) -> bool {
    if key.id.get(..4) == Some(&sig.key_hint[..]) {
        return true;
    }
    match &key.key {
        PublicKey::Ed25519(vk) => ed25519_note_key_id(&sig.name, vk.as_bytes()) == sig.key_hint,
        PublicKey::P256(_) | PublicKey::P384(_) | PublicKey::Rsa(..) => false,
    }
}

/// The c2sp signed-note key ID of an Ed25519 key: binding the name into the
/// ID means a signature under one name does not pass for another.
fn ed25519_note_key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let digest: [u8; 32] = Sha256::digest([name.as_bytes(), b"\n\x01", public_key].concat()).into();
    let [a, b, c, d, ..] = digest;
    [a, b, c, d]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigstore::authority::ValidFor;
    use MerkleError as E;
    use p256::pkcs8::EncodePublicKey as _;
    use signature::Signer as _;

    /// MTH from RFC 6962 §2.1 over leaf hashes, split at the largest power
    /// of two below the size.
    fn tree_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
        let k = 1 << (leaves.len() - 1).max(1).ilog2();
        match leaves {
            [one] => *one,
            _ => node_hash(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..])),
        }
    }

    /// PATH from RFC 6962 §2.1.1.
    fn audit_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
        if leaves.len() == 1 {
            return Vec::new();
        }
        let k = 1 << (leaves.len() - 1).ilog2();
        let (mut path, sibling) = if m < k {
            (audit_path(m, &leaves[..k]), tree_hash(&leaves[k..]))
        } else {
            (audit_path(m - k, &leaves[k..]), tree_hash(&leaves[..k]))
        };
        path.push(sibling);
        path
    }

    fn leaves(n: usize) -> Vec<[u8; 32]> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    fn refused(got: Result<(), MerkleError>) -> bool {
        matches!(got, Err(E::RootMismatch | E::WrongProofLength { .. }))
    }

    #[test]
    fn leaf_hash_matches_the_rfc_6962_empty_leaf() {
        let hex: String = leaf_hash(b"").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn every_leaf_of_trees_up_to_20_verifies_and_tampering_fails() {
        for n in 1..=20usize {
            let (ls, size) = (leaves(n), n as u64);
            let (root, grown_root) = (tree_hash(&ls), tree_hash(&leaves(n + 1)));
            for (m, leaf) in ls.iter().enumerate() {
                let (index, proof) = (m as u64, audit_path(m, &ls));
                assert_eq!(verify_inclusion(leaf, index, size, &proof, &root), Ok(()));
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i][0] ^= 1;
                    let got = verify_inclusion(leaf, index, size, &bad, &root);
                    assert_eq!(got, Err(E::RootMismatch));
                }
                let stranger = leaf_hash(b"not in the tree");
                let got = verify_inclusion(&stranger, index, size, &proof, &root);
                assert_eq!(got, Err(E::RootMismatch));
                for wrong in (0..size).filter(|&j| j != index) {
                    assert!(refused(verify_inclusion(leaf, wrong, size, &proof, &root)));
                }
                // A proof for the old size, held against the grown tree's root.
                let got = verify_inclusion(leaf, index, size + 1, &proof, &grown_root);
                assert!(refused(got));
                let extra = [&proof[..], &[root]].concat();
                let got = verify_inclusion(leaf, index, size, &extra, &root);
                assert!(matches!(got, Err(E::WrongProofLength { .. })));
                if let Some((_, short)) = proof.split_last() {
                    let got = verify_inclusion(leaf, index, size, short, &root);
                    assert!(matches!(got, Err(E::WrongProofLength { .. })));
                }
            }
            let got = verify_inclusion(&ls[0], size, size, &[], &root);
            assert!(matches!(got, Err(E::IndexOutOfRange { .. })));
        }
        let got = verify_inclusion(&[0; 32], 0, 0, &[], &[0; 32]);
        assert!(matches!(got, Err(E::IndexOutOfRange { .. })));
        let got = verify_inclusion(&[0; 32], u64::MAX - 1, u64::MAX, &[[0; 32]; 3], &[0; 32]);
        assert!(matches!(got, Err(E::WrongProofLength { want: 63, .. })));
    }

    fn p256_log(seed: u8) -> (p256::ecdsa::SigningKey, LogKey) {
        let sk = p256::ecdsa::SigningKey::from_bytes(&[seed; 32].into()).expect("scalar");
        let der = sk.verifying_key().to_public_key_der().expect("spki");
        let key = PublicKey::from_spki_der(der.as_bytes()).expect("p256");
        (sk, log_key(Sha256::digest(der.as_bytes()).to_vec(), key))
    }

    fn log_key(id: Vec<u8>, key: PublicKey) -> LogKey {
        let (valid_for, base_url) = (ValidFor::default(), "https://log.example".into());
        LogKey {
            id,
            key,
            valid_for,
            base_url,
        }
    }

    fn body(origin: &str, size: u64, root: &[u8; 32]) -> String {
        format!("{origin}\n{size}\n{}\n", STANDARD.encode(root))
    }

    fn sign_line(name: &str, hint: [u8; 4], sig: &[u8]) -> String {
        format!(
            "\u{2014} {name} {}\n",
            STANDARD.encode([&hint[..], sig].concat())
        )
    }

    fn p256_note(sk: &p256::ecdsa::SigningKey, hint: [u8; 4], body: &str) -> String {
        let sig: p256::ecdsa::Signature = sk.sign(body.as_bytes());
        let line = sign_line("log.example", hint, sig.to_der().as_bytes());
        format!("{body}\n{line}")
    }

    fn hint_of(key: &LogKey) -> [u8; 4] {
        key.id[..4].try_into().expect("4 bytes")
    }

    #[test]
    fn p256_checkpoint_parses_and_verifies_by_log_id_hint() {
        let (sk, key) = p256_log(7);
        let text = format!("{}Timestamp: 1\n", body("log.example - 42", 831, &[9; 32]));
        let note = p256_note(&sk, hint_of(&key), &text);
        let cp = Checkpoint::parse(&note).expect("parses");
        assert_eq!((cp.origin.as_str(), cp.size), ("log.example - 42", 831));
        assert_eq!(
            (cp.root_hash, &cp.extensions[..]),
            ([9; 32], &["Timestamp: 1".into()][..])
        );
        assert_eq!((cp.signatures.len(), cp.verify(&key)), (1, Ok(())));
        // A witness cosignature under another hint does not get in the way.
        let witness = sign_line("witness", [1, 2, 3, 4], &[5; 64]);
        let cp = Checkpoint::parse(&format!("{note}{witness}")).expect("parses");
        assert_eq!(cp.verify(&key), Ok(()));
    }

    #[test]
    fn ed25519_checkpoint_verifies_by_c2sp_key_id() {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let vk = sk.verifying_key();
        let hint = ed25519_note_key_id("log.example", vk.as_bytes());
        let text = body("log.example", 5, &[1; 32]);
        let sig = sk.sign(text.as_bytes()).to_bytes();
        let note = format!("{text}\n{}", sign_line("log.example", hint, &sig));
        // A log ID unrelated to the hint: the c2sp key ID alone must match.
        let key = log_key(vec![0; 32], PublicKey::Ed25519(vk));
        assert_eq!(
            Checkpoint::parse(&note).and_then(|cp| cp.verify(&key)),
            Ok(())
        );
        // The ID binds the name, so the same bytes under another name are not
        // from this key.
        let renamed = format!("{text}\n{}", sign_line("other.example", hint, &sig));
        let got = Checkpoint::parse(&renamed).and_then(|cp| cp.verify(&key));
        assert_eq!(got, Err(E::NoMatchingSignature));
    }

    #[test]
    fn altered_or_foreign_checkpoints_fail_closed() {
        let (sk, key) = p256_log(7);
        let text = body("log.example", 10, &[2; 32]);
        let note = p256_note(&sk, hint_of(&key), &text);
        let sig_block = note.split_once("\n\n").expect("blank line").1;
        let bad_sig = Err(E::BadCheckpointSignature(KeyError::Mismatch));
        for changed in [
            body("log.example", 11, &[2; 32]),
            body("log.example", 10, &[3; 32]),
            body("log.exampl", 10, &[2; 32]),
            format!("{text}extra\n"),
        ] {
            let cp = Checkpoint::parse(&format!("{changed}\n{sig_block}")).expect("parses");
            assert_eq!(cp.verify(&key), bad_sig);
        }
        let cp = Checkpoint::parse(&note).expect("parses");
        let (_, other) = p256_log(8);
        assert_eq!(cp.verify(&other), Err(E::NoMatchingSignature));
        // Another key claiming the log's hint is tried, and refused.
        assert_eq!(cp.verify(&log_key(key.id.clone(), other.key)), bad_sig);
        // A good signature does not excuse a bad one under the same hint.
        let forged = sign_line("log.example", hint_of(&key), &[0x30, 0]);
        let cp = Checkpoint::parse(&format!("{note}{forged}")).expect("parses");
        assert_eq!(
            cp.verify(&key),
            Err(E::BadCheckpointSignature(KeyError::BadSignature))
        );
        let cp = Checkpoint::parse(&p256_note(&sk, [0; 4], &text)).expect("parses");
        assert_eq!(cp.verify(&key), Err(E::NoMatchingSignature));
        // Every truncation is refused somewhere, and none panics.
        for cut in (0..note.len()).filter(|&i| note.is_char_boundary(i)) {
            let got = Checkpoint::parse(&note[..cut]).and_then(|cp| cp.verify(&key));
            assert!(got.is_err(), "prefix of {cut} bytes accepted");
        }
    }

    #[test]
    fn malformed_notes_get_typed_errors() {
        let root = STANDARD.encode([4; 32]);
        let sig = sign_line("log.example", [1; 4], &[2; 8]);
        let good = format!("o\n1\n{root}\n");
        let with_sig = |body: String| format!("{body}\n{sig}");
        let sig_line = |line: &str| format!("{good}\n{line}\n");
        let mut cases = vec![
            (String::new(), E::MissingBlankLine),
            (format!("{good}{sig}"), E::MissingBlankLine),
            (format!("{good}\n"), E::NoSignatures),
            (
                format!("{good}\n{}", sig.trim_end()),
                E::UnterminatedSignature,
            ),
            (with_sig(format!("o\t\n1\n{root}\n")), E::ControlCharacter),
            (with_sig(format!("o\r\n1\n{root}\n")), E::ControlCharacter),
            (with_sig("o\n1\n".into()), E::TruncatedBody),
            (with_sig(format!("\n1\n{root}\n")), E::EmptyOrigin),
            (
                with_sig(format!("o\n18446744073709551616\n{root}\n")),
                E::SizeOverflow,
            ),
            (with_sig(format!("{good}\next\n")), E::EmptyExtension),
            (sig_line("- log.example AAAAAAA="), E::BadSignatureLine),
            (sig_line("\u{2014} log.example"), E::BadSignatureLine),
            (sig_line("\u{2014}  AAAAAAA="), E::BadSignatureLine),
            (sig_line("\u{2014} a+b AAAAAAA="), E::BadSignatureLine),
            (sig_line("\u{2014} log.example !!!!"), E::BadSignatureBase64),
            (sig_line("\u{2014} log.example "), E::ShortSignature),
            (sig_line("\u{2014} log.example AAAAAA=="), E::ShortSignature),
            (format!("{good}\n{}", sig.repeat(101)), E::TooManySignatures),
        ];
        for size in ["", "x", "12a", "+7", "-1", "007", " 7", "1e3"] {
            cases.push((with_sig(format!("o\n{size}\n{root}\n")), E::BadSize));
        }
        for bad_root in ["", "!!!!", &STANDARD.encode([4; 31]), &root[..40]] {
            cases.push((with_sig(format!("o\n1\n{bad_root}\n")), E::BadRootHash));
        }
        for (text, want) in cases {
            assert_eq!(Checkpoint::parse(&text).err(), Some(want), "{text:?}");
        }
        let max = with_sig(format!("o\n{}\n{root}\n", u64::MAX));
        assert_eq!(Checkpoint::parse(&max).map(|cp| cp.size), Ok(u64::MAX));
    }

    #[test]
    fn garbage_never_panics() {
        let (sk, key) = p256_log(7);
        let note = p256_note(&sk, hint_of(&key), &body("o", 3, &[6; 32]));
        for junk in [
            "\n\n",
            "\n\n\n",
            "\u{2014} \n\n\u{2014} \n",
            "\u{2014}\n\n\u{2014}\n",
        ] {
            assert!(Checkpoint::parse(junk).is_err());
        }
        // Deterministic byte overwrites and truncations of a valid note.
        let mut state = 0x2545_f491_u64;
        for _ in 0..2000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            let mut bytes = note.clone().into_bytes();
            let at = (state >> 33) as usize % bytes.len();
            bytes[at] = (state >> 13) as u8;
            bytes.truncate(at + 1 + (state >> 50) as usize % (bytes.len() - at));
            let text = String::from_utf8_lossy(&bytes);
            let _ = Checkpoint::parse(&text).and_then(|cp| cp.verify(&key));
        }
    }

    #[test]
    fn proofs_are_held_to_a_signed_checkpoint() {
        let (sk, key) = p256_log(7);
        let ls = leaves(7);
        let (root, proof) = (tree_hash(&ls), audit_path(3, &ls));
        let signed = |size, root: &[u8; 32]| {
            let note = p256_note(&sk, hint_of(&key), &body("o", size, root));
            Checkpoint::parse(&note).expect("parses")
        };
        let check = |leaf: &[u8; 32], cp: &Checkpoint, key: &LogKey| {
            verify_proof_against_checkpoint(leaf, 3, 7, &proof, &root, cp, key)
        };
        assert_eq!(check(&ls[3], &signed(7, &root), &key), Ok(()));
        let got = check(&ls[3], &signed(8, &root), &key);
        assert_eq!(
            got,
            Err(E::CheckpointSizeMismatch {
                checkpoint: 8,
                proof: 7
            })
        );
        let got = check(&ls[3], &signed(7, &[0; 32]), &key);
        assert_eq!(got, Err(E::CheckpointRootMismatch));
        let got = check(&ls[3], &signed(7, &root), &p256_log(8).1);
        assert_eq!(got, Err(E::NoMatchingSignature));
        assert_eq!(check(&ls[2], &signed(7, &root), &key), Err(E::RootMismatch));
    }
}
