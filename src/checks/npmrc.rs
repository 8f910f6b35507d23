//! The project's `.npmrc`: credentials it sets that would carry a value
//! from the environment to a host nothing outside the repository names.
//! They were not sent; the finding points at the line that set them.

use crate::finding::{Code, Finding, Location};
use crate::registry::npmrc::{Origin, RefusedCredential};

/// A finding for each refused credential.
pub fn check(refused: &[RefusedCredential]) -> Vec<Finding> {
    refused
        .iter()
        .map(|r| {
            let location = match &r.origin {
                Origin::File { path, line } => {
                    Location::at(path, u32::try_from(*line).unwrap_or(u32::MAX))
                }
                other => Location {
                    file: other.to_string(),
                    line: 1,
                },
            };
            let vars: Vec<String> = r.vars.iter().map(|v| format!("${{{v}}}")).collect();
            Finding::new(
                Code::CredentialRefused,
                None,
                format!(
                    "`{}` would send {} (from the environment) to {}, which no configuration \
                     outside the repository names: not sent",
                    r.key,
                    vars.join(", "),
                    r.host
                ),
                location,
            )
        })
        .collect()
}
