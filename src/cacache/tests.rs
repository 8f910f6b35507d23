//! Unit tests of the npm cache writer: paths, keys and index lines as npm's
//! own cacache and make-fetch-happen compute them, and what each put writes.

use super::*;

// Expected values below were printed by npm 11's own cacache and
// make-fetch-happen functions (bucketPath, contentPath, hashEntry,
// cacheKey) for the same inputs.
const MS_URL: &str = "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz";
const MS_SHA512: &str = "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==";

fn relative(cache: &NpmCache, path: &Path) -> String {
    path.strip_prefix(cache.root())
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn paths_match_cacache() {
    let cache = NpmCache::new("/c");
    let key = request_key(MS_URL).unwrap();
    assert_eq!(key, format!("make-fetch-happen:request-cache:{MS_URL}"));
    assert_eq!(
        relative(&cache, &cache.index_path(&key)),
        "_cacache/index-v5/21/a7/bd8af8e4938b9fee217abddb09ce52db330434e323c828aeabe5bd909ae7"
    );
    let hash = Integrity::parse(MS_SHA512).unwrap().strongest().clone();
    assert_eq!(
        relative(&cache, &cache.content_path(&hash)),
        "_cacache/content-v2/sha512/e8/59/73b9b4cb646dc9d9afcd542025784863ceae68c601f268253dc985ef70bb2fa1568726afece715c8ebf5d73fab73ed1f7100eb479d23bfb57b45dd645394"
    );
    let sha1 = Integrity::parse("sha1-7XlVVgKfRU5pQDKrd6MLfNwKRlM=").unwrap();
    assert_eq!(
        relative(&cache, &cache.content_path(sha1.strongest())),
        "_cacache/content-v2/sha1/ed/79/5556029f454e694032ab77a30b7cdc0a4653"
    );
}

#[test]
fn keys_drop_credentials_and_fragments_like_make_fetch_happen() {
    let cases = [
        (
            "https://user:pw@Registry.NPMJS.org:443/@scope%2fpkg/-/pkg-1.0.0.tgz#frag",
            "https://registry.npmjs.org/@scope%2fpkg/-/pkg-1.0.0.tgz",
        ),
        (
            "http://127.0.0.1:80/a b/ü.tgz?x=1#y",
            "http://127.0.0.1/a%20b/%C3%BC.tgz?x=1",
        ),
    ];
    for (url, expected) in cases {
        assert_eq!(request_key(url).unwrap(), format!("{KEY_PREFIX}{expected}"));
    }
    assert!(matches!(
        request_key("not a url"),
        Err(CacheError::BadUrl { .. })
    ));
}

#[test]
fn index_line_hash_covers_the_json() {
    let hash = Integrity::parse(MS_SHA512).unwrap().strongest().clone();
    let metadata = Metadata::new(MS_URL, 1_700_000_000_000, &[], &[]);
    let line = index_line("k", &hash, 2967, &metadata);
    let (sum, json) = line.strip_prefix('\n').unwrap().split_once('\t').unwrap();
    assert_eq!(sum, Hash::of(Algorithm::Sha1, json.as_bytes()).hex());
    assert_eq!(
        json,
        format!(
            r#"{{"key":"k","integrity":"{MS_SHA512}","time":1700000000000,"size":2967,"metadata":{{"time":1700000000000,"url":"{MS_URL}","reqHeaders":{{}},"resHeaders":{{}},"options":{{"compress":true}}}}}}"#
        )
    );
    // cacache's hashEntry of a known string, to pin the hash itself.
    assert_eq!(
        Hash::of(Algorithm::Sha1, br#"{"key":"k","integrity":"sha512-x"}"#).hex(),
        "c8f69a035fe05ba3b4fbde492eb5b9db8c33e73c"
    );
}

fn sri(algorithm: Algorithm, bytes: &[u8]) -> String {
    Hash::of(algorithm, bytes).to_string()
}

#[test]
fn put_writes_content_and_an_index_entry() {
    let dir = tempfile::tempdir().unwrap();
    let cache = NpmCache::new(dir.path());
    let bytes = b"pretend tarball";
    let integrity = sri(Algorithm::Sha512, bytes);
    cache.put(MS_URL, &integrity, bytes).unwrap();
    cache.put(MS_URL, &integrity, bytes).unwrap();

    let hash = Integrity::parse(&integrity).unwrap().strongest().clone();
    assert_eq!(fs::read(cache.content_path(&hash)).unwrap(), bytes);
    let key = request_key(MS_URL).unwrap();
    let bucket = fs::read_to_string(cache.index_path(&key)).unwrap();
    // Appended, as cacache appends: two valid lines, the last one wins.
    let lines: Vec<&str> = bucket.split('\n').filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2);
    for line in lines {
        let (sum, json) = line.split_once('\t').unwrap();
        assert_eq!(sum, Hash::of(Algorithm::Sha1, json.as_bytes()).hex());
        let entry: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(entry["key"], key.as_str());
        assert_eq!(entry["integrity"], integrity.as_str());
        assert_eq!(entry["size"], bytes.len());
        assert_eq!(entry["metadata"]["url"], MS_URL);
        assert_eq!(entry["metadata"]["options"]["compress"], true);
        assert!(entry["time"].as_u64().unwrap() > 1_600_000_000_000);
    }
    // No temporary file is left behind.
    assert_eq!(
        fs::read_dir(dir.path().join("_cacache/tmp"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn put_uses_the_strongest_matching_digest() {
    let dir = tempfile::tempdir().unwrap();
    let cache = NpmCache::new(dir.path());
    let bytes = b"old package";
    // A sha1-only lockfile entry lands under sha1, as cacache puts it.
    let old = sri(Algorithm::Sha1, bytes);
    cache.put("https://r.test/old.tgz", &old, bytes).unwrap();
    let hash = Integrity::parse(&old).unwrap().strongest().clone();
    assert!(
        cache
            .content_path(&hash)
            .starts_with(dir.path().join("_cacache/content-v2/sha1"))
    );
    assert!(cache.content_path(&hash).is_file());
    // With several, the strongest decides, and among equals the match.
    let other = sri(Algorithm::Sha512, b"something else");
    let both = format!("{old} {other} {}", sri(Algorithm::Sha512, bytes));
    cache.put("https://r.test/both.tgz", &both, bytes).unwrap();
    let strong = Integrity::parse(&sri(Algorithm::Sha512, bytes)).unwrap();
    assert!(cache.content_path(strong.strongest()).is_file());
}

#[test]
fn put_refuses_bytes_that_do_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let cache = NpmCache::new(dir.path());
    let integrity = sri(Algorithm::Sha512, b"the real thing");
    let err = cache.put(MS_URL, &integrity, b"an impostor").unwrap_err();
    assert!(matches!(err, CacheError::Mismatch { .. }), "{err}");
    // A weaker digest that matches does not vouch for the bytes.
    let mixed = format!("{} {integrity}", sri(Algorithm::Sha1, b"an impostor"));
    assert!(matches!(
        cache.put(MS_URL, &mixed, b"an impostor"),
        Err(CacheError::Mismatch { .. })
    ));
    assert!(matches!(
        cache.put(MS_URL, "md5-abc", b""),
        Err(CacheError::Integrity { .. })
    ));
    assert!(!dir.path().join("_cacache").exists());
}

#[test]
fn packument_urls_match_pacote() {
    let url = |registry: &str, name: &str| {
        packument_url(&url::Url::parse(registry).unwrap(), name)
            .unwrap()
            .to_string()
    };
    assert_eq!(
        url("http://127.0.0.1:9/", "lp-demo"),
        "http://127.0.0.1:9/lp-demo"
    );
    // Only the scope's slash is escaped, lower-case, as npa does.
    assert_eq!(
        url("http://127.0.0.1:9/", "@sc/pk"),
        "http://127.0.0.1:9/@sc%2fpk"
    );
    // pacote strips every trailing slash, then adds one.
    assert_eq!(
        url("https://r.example/npm//", "@s/p"),
        "https://r.example/npm/@s%2fp"
    );
    assert_eq!(url("https://r.example/npm", "a"), "https://r.example/npm/a");
    // The key npm 11 wrote for its own request for @sc/pk.
    assert_eq!(
        request_key(&url("http://127.0.0.1:18761/", "@sc/pk")).unwrap(),
        "make-fetch-happen:request-cache:http://127.0.0.1:18761/@sc%2fpk"
    );
    // The audit's URL agrees for a registry with one trailing slash, the
    // form lockproof's npmrc reader gives.
    let registry = url::Url::parse("https://r.example/npm/").unwrap();
    for name in ["a", "@s/p"] {
        assert_eq!(
            packument_url(&registry, name).ok(),
            crate::fetch::packument_url(&registry, name)
        );
    }
}

#[test]
fn minimal_packument_lists_each_version() {
    let body = minimal_packument(
        "@s/p",
        [
            PackumentVersion {
                version: "1.1.0",
                tarball: "http://r/@s/p/-/p-1.1.0.tgz",
                integrity: "sha512-b",
            },
            PackumentVersion {
                version: "1.0.0",
                tarball: "http://r/@s/p/-/p-1.0.0.tgz",
                integrity: "sha512-a",
            },
        ],
    );
    assert_eq!(
        String::from_utf8(body).unwrap(),
        concat!(
            r#"{"name":"@s/p","versions":{"#,
            r#""1.0.0":{"name":"@s/p","version":"1.0.0","dist":{"tarball":"http://r/@s/p/-/p-1.0.0.tgz","integrity":"sha512-a"}},"#,
            r#""1.1.0":{"name":"@s/p","version":"1.1.0","dist":{"tarball":"http://r/@s/p/-/p-1.1.0.tgz","integrity":"sha512-b"}}}}"#
        )
    );
}

#[test]
fn put_packument_writes_an_entry_per_accept() {
    let dir = tempfile::tempdir().unwrap();
    let cache = NpmCache::new(dir.path());
    let url = "http://127.0.0.1:9/@sc%2fpk";
    let body = br#"{"name":"@sc/pk","versions":{}}"#;
    cache.put_packument(url, body).unwrap();

    let integrity = sri(Algorithm::Sha512, body);
    let hash = Integrity::parse(&integrity).unwrap().strongest().clone();
    assert_eq!(fs::read(cache.content_path(&hash)).unwrap(), body);
    let key = request_key(url).unwrap();
    let bucket = fs::read_to_string(cache.index_path(&key)).unwrap();
    let lines: Vec<&str> = bucket.split('\n').filter(|l| !l.is_empty()).collect();
    let expected = [
        (CORGI_ACCEPT, "application/vnd.npm.install-v1+json"),
        (FULL_ACCEPT, "application/json"),
    ];
    assert_eq!(lines.len(), expected.len());
    for (line, (accept, content_type)) in lines.iter().zip(expected) {
        let (sum, json) = line.split_once('\t').unwrap();
        assert_eq!(sum, Hash::of(Algorithm::Sha1, json.as_bytes()).hex());
        let entry: serde_json::Value = serde_json::from_str(json).unwrap();
        let time = entry["time"].as_u64().unwrap();
        // The shape npm 11 itself wrote for its request of this
        // packument from a live registry (less its `date` header).
        assert_eq!(
            entry,
            serde_json::json!({
                "key": key,
                "integrity": integrity,
                "time": time,
                "size": body.len(),
                "metadata": {
                    "time": time,
                    "url": url,
                    "reqHeaders": {"accept": accept},
                    "resHeaders": {"content-type": content_type},
                    "options": {"compress": true}
                }
            })
        );
    }
    // Another call appends: cacache keeps the newest per Accept.
    cache.put_packument(url, b"{}").unwrap();
    let bucket = fs::read_to_string(cache.index_path(&key)).unwrap();
    assert_eq!(bucket.split('\n').filter(|l| !l.is_empty()).count(), 4);
}

#[test]
fn put_packument_refuses_what_is_not_a_json_object() {
    let dir = tempfile::tempdir().unwrap();
    let cache = NpmCache::new(dir.path());
    for body in [&b"[]"[..], b"not json", b"", br#"{"a":1} trailing"#] {
        let err = cache
            .put_packument("http://127.0.0.1:9/a", body)
            .unwrap_err();
        assert!(matches!(err, CacheError::Packument { .. }), "{err}");
    }
    assert!(matches!(
        cache.put_packument("not a url", b"{}"),
        Err(CacheError::BadUrl { .. })
    ));
    assert!(!dir.path().join("_cacache").exists());
}

/// A file of a tarball store holding `bytes`.
fn stored(dir: &Path, bytes: &[u8]) -> PathBuf {
    let store = store::Store::new(dir);
    let mut staged = store.stage().unwrap();
    let (hash, _) =
        store::copy_hashing(&mut &bytes[..], &mut staged.file, Algorithm::Sha512).unwrap();
    store.commit(staged, &hash).unwrap()
}

#[test]
fn put_file_places_the_stored_file_and_indexes_it_as_put_does() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"pretend tarball";
    let file = stored(&dir.path().join("store"), bytes);
    let integrity = format!(
        "{} {}",
        sri(Algorithm::Sha1, bytes),
        sri(Algorithm::Sha512, bytes)
    );
    let by_file = NpmCache::new(dir.path().join("linked"));
    let placed = by_file.put_file(MS_URL, &integrity, &file).unwrap();
    let by_bytes = NpmCache::new(dir.path().join("written"));
    by_bytes.put(MS_URL, &integrity, bytes).unwrap();

    let hash = Integrity::parse(&integrity).unwrap().strongest().clone();
    let content = by_file.content_path(&hash);
    assert_eq!(fs::read(&content).unwrap(), bytes);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        assert_eq!(placed, Placed::Linked);
        let (a, b) = (
            fs::metadata(&content).unwrap(),
            fs::metadata(&file).unwrap(),
        );
        assert_eq!((a.dev(), a.ino()), (b.dev(), b.ino()), "a link, not a copy");
    }
    #[cfg(not(unix))]
    assert_eq!(placed, Placed::Copied);
    // The same index entry as for the bytes themselves, but for its time.
    let key = request_key(MS_URL).unwrap();
    let entry = |cache: &NpmCache| {
        let bucket = fs::read_to_string(cache.index_path(&key)).unwrap();
        let (_, json) = bucket.trim_start().split_once('\t').unwrap();
        let mut entry: serde_json::Value = serde_json::from_str(json).unwrap();
        entry["time"] = 0.into();
        entry["metadata"]["time"] = 0.into();
        entry
    };
    assert_eq!(entry(&by_file), entry(&by_bytes));
    assert_eq!(
        fs::read_dir(dir.path().join("linked/_cacache/tmp"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn put_file_refuses_a_file_that_does_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let file = stored(&dir.path().join("store"), b"an impostor");
    let cache = NpmCache::new(dir.path().join("cache"));
    let integrity = sri(Algorithm::Sha512, b"the real thing");
    let err = cache.put_file(MS_URL, &integrity, &file).unwrap_err();
    assert!(matches!(err, CacheError::Mismatch { .. }), "{err}");
    let missing = dir.path().join("missing.tgz");
    let err = cache.put_file(MS_URL, &integrity, &missing).unwrap_err();
    assert!(matches!(err, CacheError::Read { .. }), "{err}");
    assert!(!dir.path().join("cache/_cacache").exists());
}

#[test]
fn remove_takes_the_whole_folder_and_nothing_it_links_to() {
    let dir = tempfile::tempdir().unwrap();
    let file = stored(&dir.path().join("store"), b"kept in the store");
    let cache = NpmCache::new(dir.path().join("cache"));
    let integrity = sri(Algorithm::Sha512, b"kept in the store");
    cache.put_file(MS_URL, &integrity, &file).unwrap();
    cache.put_packument("http://127.0.0.1:9/a", b"{}").unwrap();
    // A link to a folder outside is removed, not followed.
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        dir.path().join("store"),
        dir.path().join("cache/_cacache/index-v5/ln"),
    )
    .unwrap();
    cache.remove().unwrap();
    assert!(!cache.root().exists());
    assert_eq!(fs::read(&file).unwrap(), b"kept in the store");
}

#[test]
fn put_content_writes_no_index_and_puts_again_without_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let file = stored(&dir.path().join("store"), b"by digest");
    let cache = NpmCache::new(dir.path().join("cache"));
    let integrity = sri(Algorithm::Sha512, b"by digest");
    cache.put_content(&integrity, &file).unwrap();
    // Again (another entry with the same tarball), and over a copy.
    cache.put_content(&integrity, &file).unwrap();
    let hash = Integrity::parse(&integrity).unwrap().strongest().clone();
    let content = cache.content_path(&hash);
    fs::remove_file(&content).unwrap();
    fs::write(&content, b"by digest").unwrap();
    cache.put_content(&integrity, &file).unwrap();
    assert_eq!(fs::read(&content).unwrap(), b"by digest");
    assert!(!dir.path().join("cache/_cacache/index-v5").exists());
    let leftovers = fs::read_dir(dir.path().join("cache/_cacache/tmp")).map_or(0, |d| d.count());
    assert_eq!(leftovers, 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        assert_eq!(
            fs::metadata(&content).unwrap().ino(),
            fs::metadata(&file).unwrap().ino(),
            "what was there is replaced by the stored file"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn put_file_copies_into_a_cache_on_another_filesystem() {
    use std::os::unix::fs::MetadataExt as _;
    let dir = tempfile::tempdir().unwrap();
    let Ok(other) = tempfile::tempdir_in("/dev/shm") else {
        eprintln!("SKIPPED: no /dev/shm");
        return;
    };
    let device = |p: &Path| fs::metadata(p).unwrap().dev();
    if device(dir.path()) == device(other.path()) {
        eprintln!("SKIPPED: /dev/shm is on the temporary folder's filesystem");
        return;
    }
    let bytes = b"across filesystems";
    let file = stored(&dir.path().join("store"), bytes);
    let integrity = sri(Algorithm::Sha512, bytes);
    let cache = NpmCache::new(other.path().join("cache"));
    let placed = cache.put_file(MS_URL, &integrity, &file).unwrap();
    assert_eq!(placed, Placed::Copied);
    let hash = Integrity::parse(&integrity).unwrap().strongest().clone();
    assert_eq!(fs::read(cache.content_path(&hash)).unwrap(), bytes);
    assert!(cache.index_path(&request_key(MS_URL).unwrap()).exists());
    assert_eq!(fs::read(&file).unwrap(), bytes, "the store keeps its file");
}

#[cfg(unix)]
#[test]
fn put_content_replaces_a_link_planted_at_the_content_path_and_never_writes_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"verified";
    let file = stored(&dir.path().join("store"), bytes);
    let integrity = sri(Algorithm::Sha512, bytes);
    let hash = Integrity::parse(&integrity).unwrap().strongest().clone();
    let outside = dir.path().join("outside");
    fs::write(&outside, b"the planter's file").unwrap();
    for target in [outside.clone(), dir.path().join("dangling")] {
        let cache = NpmCache::new(dir.path().join("cache"));
        let content = cache.content_path(&hash);
        fs::create_dir_all(content.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&target, &content).unwrap();
        cache.put_content(&integrity, &file).unwrap();
        assert!(fs::symlink_metadata(&content).unwrap().is_file());
        assert_eq!(fs::read(&content).unwrap(), bytes);
        assert!(!dir.path().join("dangling").exists(), "nothing made there");
        cache.remove().unwrap();
    }
    assert_eq!(fs::read(&outside).unwrap(), b"the planter's file");
}
