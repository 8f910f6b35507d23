//! DSSE envelopes and the in-toto statements inside them.
//!
//! A DSSE signature covers the pre-authentication encoding (PAE) of payload
//! type and payload, never the payload alone, so a payload cannot be
//! reinterpreted under another type.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::bundle::Envelope;

/// The in-toto payload type npm attestations use.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";

/// `PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// One subject of an in-toto statement.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Subject {
    /// The subject's name; for npm, the package URL.
    #[serde(default)]
    pub name: String,
    /// Digests by algorithm name (`sha512`, `sha256`), lower-case hex.
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
}

/// An in-toto statement (v0.1 or v1).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Statement {
    /// `https://in-toto.io/Statement/v0.1` or `/v1`.
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// What the statement is about.
    pub subject: Vec<Subject>,
    /// The predicate's type, e.g. `https://slsa.dev/provenance/v1`.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate itself.
    #[serde(default)]
    pub predicate: serde_json::Value,
}

/// Why an envelope's payload is not a usable statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// The payload type is not in-toto.
    #[error("payload type is {0:?}, not in-toto")]
    PayloadType(String),
    /// The payload is not an in-toto statement.
    #[error("payload is not an in-toto statement: {0}")]
    Json(String),
    /// A statement of a type lockproof does not know.
    #[error("unknown in-toto statement type {0:?}")]
    StatementType(String),
}

impl Statement {
    /// Reads the statement an envelope carries.
    pub fn from_envelope(envelope: &Envelope) -> Result<Statement, StatementError> {
        if envelope.payload_type != IN_TOTO {
            return Err(StatementError::PayloadType(envelope.payload_type.clone()));
        }
        let statement: Statement = serde_json::from_slice(&envelope.payload)
            .map_err(|e| StatementError::Json(e.to_string()))?;
        match statement.statement_type.as_str() {
            "https://in-toto.io/Statement/v0.1" | "https://in-toto.io/Statement/v1" => {
                Ok(statement)
            }
            other => Err(StatementError::StatementType(other.to_owned())),
        }
    }

    /// The first subject whose `algorithm` digest equals `hex`
    /// (case-insensitive hex).
    pub fn subject_with_digest(&self, algorithm: &str, hex: &str) -> Option<&Subject> {
        self.subject.iter().find(|s| {
            s.digest
                .get(algorithm)
                .is_some_and(|d| d.eq_ignore_ascii_case(hex))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_specification_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    fn envelope(payload_type: &str, payload: &str) -> Envelope {
        Envelope {
            payload: payload.as_bytes().to_vec(),
            payload_type: payload_type.into(),
            signatures: vec![],
        }
    }

    #[test]
    fn statements_are_read_and_foreign_payloads_refused() {
        let ok = r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"pkg:npm/a@1","digest":{"sha512":"AB"}}],"predicateType":"p"}"#;
        let st = Statement::from_envelope(&envelope(IN_TOTO, ok)).expect("statement");
        assert_eq!(
            st.subject_with_digest("sha512", "ab")
                .map(|s| s.name.as_str()),
            Some("pkg:npm/a@1")
        );
        assert_eq!(st.subject_with_digest("sha512", "cd"), None);
        assert!(matches!(
            Statement::from_envelope(&envelope("text/plain", ok)),
            Err(StatementError::PayloadType(_))
        ));
        assert!(matches!(
            Statement::from_envelope(&envelope(IN_TOTO, "[")),
            Err(StatementError::Json(_))
        ));
        let other = ok.replace("in-toto.io/Statement/v1", "example.com/x");
        assert!(matches!(
            Statement::from_envelope(&envelope(IN_TOTO, &other)),
            Err(StatementError::StatementType(_))
        ));
    }
}
