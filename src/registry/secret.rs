//! A credential held so it cannot be printed by accident: registry tokens
//! and passwords, `Authorization` and `Proxy-Authorization` header values.

use std::fmt;

/// A credential, or a header value built from one.
///
/// `Debug` prints `Secret(***)`; there is no `Display`. Call [`expose`] only
/// to hand the value to the one request it is for.
///
/// [`expose`]: Secret::expose
#[derive(Clone)]
pub struct Secret(pub(in crate::registry) String);

impl Secret {
    /// The secret value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}
