//! Integrity hashes: missing, weak (SHA-1 only) or malformed.

use super::EntryFindings;
use crate::finding::Code;
use crate::lockfile::{IntegrityField, MalformedIntegrity, Pin, SourceKind, YarnChecksum};

pub(super) fn check(f: &mut EntryFindings) {
    if let Pin::YarnChecksum(checksum) = &f.entry.pin {
        // Yarn Berry pins its own archive, never the npm tarball: the
        // report says so once for the file, and the registry's integrity
        // stands for the bytes. Only a checksum that cannot be read is a
        // finding here.
        if let YarnChecksum::Malformed(raw) = &**checksum {
            f.report(
                Code::IntegrityMalformed,
                format!("Yarn checksum {raw:?} is unusable"),
            );
        }
        return;
    }
    match &f.entry.integrity {
        IntegrityField::Absent => {
            // npm records no integrity for git, link, workspace or bundled
            // entries; those have codes or summary lines of their own.
            if matches!(
                f.entry.source,
                SourceKind::Registry | SourceKind::RemoteTarball
            ) {
                f.report(
                    Code::IntegrityMissing,
                    "no integrity hash: npm cannot check the downloaded bytes".to_string(),
                );
            }
        }
        IntegrityField::Valid(integrity) => {
            let strongest = integrity.strongest();
            if !strongest.algorithm.is_strong() {
                f.report(
                    Code::IntegrityWeak,
                    "the only integrity hash is SHA-1".to_string(),
                );
            }
            // npm accepts bytes matching any hash of the strongest
            // algorithm, so a second one pins a second set of bytes that no
            // single comparison here would notice.
            if integrity
                .hashes()
                .iter()
                .any(|h| h.algorithm == strongest.algorithm && h != strongest)
            {
                f.report(
                    Code::IntegrityMalformed,
                    format!(
                        "the integrity lists two different {} hashes: npm accepts either set of bytes",
                        strongest.algorithm.name()
                    ),
                );
            }
        }
        IntegrityField::Malformed(malformed) => {
            let MalformedIntegrity { raw, error } = &**malformed;
            f.report(
                Code::IntegrityMalformed,
                format!("integrity {raw:?} is unusable: {error}"),
            );
        }
    }
}
