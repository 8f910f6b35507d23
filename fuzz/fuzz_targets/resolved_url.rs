//! `resolved` read as a URL (`lockproof::lockfile::ResolvedUrl`): whatever
//! the text, it reads as WHATWG URL parsing (the `url` crate) reads it, part
//! by part, so a check never sees another host, user or path than the
//! download would use.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lockproof::lockfile::ResolvedUrl;
use url::Url;

fuzz_target!(|text: &str| {
    let ours = ResolvedUrl::parse(text);
    let reference = Url::parse(text).ok();
    assert_eq!(ours.is_some(), reference.is_some(), "{text:?}");
    let (Some(ours), Some(reference)) = (ours, reference) else {
        return;
    };
    assert_eq!(ours.scheme(), reference.scheme(), "{text:?}");
    assert_eq!(ours.host_str(), reference.host_str(), "{text:?}");
    assert_eq!(ours.port(), reference.port(), "{text:?}");
    assert_eq!(ours.username(), reference.username(), "{text:?}");
    assert_eq!(ours.password(), reference.password(), "{text:?}");
    assert_eq!(ours.path(), reference.path(), "{text:?}");
    assert_eq!(ours.as_str(), reference.as_str(), "{text:?}");
    assert_eq!(ours.to_url().as_ref(), Some(&reference), "{text:?}");
});
