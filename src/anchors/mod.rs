//! Trust anchors: where npm's registry keys and the Sigstore trusted root
//! come from.

pub mod tuf;
