//! Writes the seed corpus of every fuzz target to `fuzz/seeds/<target>/`:
//! small lockfiles and a config from `fixtures/` (the other package
//! managers' cut to their first entries), SRI strings from those
//! lockfiles, `.npmrc` inputs in the shapes the npmrc tests use, genuine
//! bundles and certificates of the test PKI (`tests/it/sigstore_pki`) and
//! the CA certificates of the embedded public-good root, and tarballs
//! built the way `tests/it/tgz.rs` and the tarball tests build them.
//!
//! Deterministic: every key comes from a fixed seed, so running it again
//! rewrites the same bytes. Run from `fuzz/`:
//! `cargo run --example seeds` (stable is enough).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use lockproof_fuzz::pki::{self, BundleSpec, LogKind, LogSig, Media, Sct, Signer, Tsa};
use lockproof_fuzz::{public_root, test_pki, tgz};
use serde_json::json;

/// Fixture lockfiles small enough to keep libFuzzer's inputs short.
const MAX_FIXTURE_BYTES: u64 = 8 * 1024;

fn main() {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let seeds = fuzz.join("seeds");
    let fixtures = fuzz.join("../fixtures");
    let lockfiles = fixture_lockfiles(&fixtures);

    for (name, bytes) in &lockfiles {
        put(&seeds, "json", name, bytes);
        put(&seeds, "lockfile", name, bytes);
    }
    put(
        &seeds,
        "json",
        "escapes-and-duplicates.json",
        br#"{"a":[0,-1.5e-300,1E+2,true,false,null,"\u00e9\ud83d\ude00\n\"\\\/"],"a":{"":{}}}"#,
    );

    for (i, sri) in integrity_strings(&lockfiles).iter().take(6).enumerate() {
        put(
            &seeds,
            "integrity",
            &format!("fixture-{i}.txt"),
            sri.as_bytes(),
        );
    }
    for (name, text) in INTEGRITY {
        put(&seeds, "integrity", name, text.as_bytes());
    }

    for (name, text) in NPMRC {
        put(&seeds, "npmrc", name, text.as_bytes());
    }

    let config = std::fs::read(fixtures.join("with-config/lockproof.toml")).expect("fixture");
    put(&seeds, "config", "with-config.toml", &config);
    for (name, text) in CONFIG {
        put(&seeds, "config", name, text.as_bytes());
    }

    other_lockfiles(&seeds, &fixtures.join("formats/example"));
    bundles(&seeds);
    certificates(&seeds);
    tarballs(&seeds);
}

/// Writes one seed.
fn put(seeds: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = seeds.join(target);
    std::fs::create_dir_all(&dir).expect("seed folder");
    std::fs::write(dir.join(name), bytes).expect("seed file");
}

/// The fixture lockfiles under the size limit, named after their folder.
fn fixture_lockfiles(fixtures: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for dir in [fixtures.to_path_buf(), fixtures.join("bad")] {
        for entry in std::fs::read_dir(&dir).expect("fixtures") {
            dirs.push(entry.expect("fixture entry").path());
        }
    }
    dirs.sort();
    for dir in dirs {
        for file in ["package-lock.json", "npm-shrinkwrap.json"] {
            let path = dir.join(file);
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.len() == 0 || meta.len() > MAX_FIXTURE_BYTES {
                continue;
            }
            let folder = dir.file_name().expect("folder name").to_string_lossy();
            let name = format!("{folder}-{file}");
            out.push((name, std::fs::read(&path).expect("fixture")));
        }
    }
    out
}

/// Every distinct `"integrity"` value of the lockfiles.
fn integrity_strings(lockfiles: &[(String, Vec<u8>)]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, bytes) in lockfiles {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            continue;
        };
        collect_integrity(&value, &mut out);
    }
    out
}

fn collect_integrity(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("integrity", serde_json::Value::String(s)) => {
                        out.insert(s.clone());
                    }
                    _ => collect_integrity(value, out),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_integrity(item, out);
            }
        }
        _ => {}
    }
}

/// The other package managers' lockfiles, for `lockfile_formats` (whose
/// first byte picks the manager: 0 pnpm, 1 Yarn, 2 Bun): the example
/// fixtures cut after about `MAX_FIXTURE_BYTES / 2` at an entry boundary,
/// and small hand-written ones with the shapes the fixtures lack.
fn other_lockfiles(seeds: &Path, formats: &Path) {
    let fixtures = [
        ("pnpm10/pnpm-lock.yaml", 0u8),
        ("pnpm12-env/pnpm-lock.yaml", 0),
        ("yarn1/yarn.lock", 1),
        ("berry4/yarn.lock", 1),
        ("bun/bun.lock", 2),
    ];
    for (file, pick) in fixtures {
        let text = std::fs::read_to_string(formats.join(file)).expect("format fixture");
        let limit = (MAX_FIXTURE_BYTES / 2) as usize;
        let cut = match text.get(..limit).and_then(|head| head.rfind("\n\n")) {
            Some(at) => &text[..at + 1],
            None => text.as_str(),
        };
        let name = file.replace('/', "-");
        put(
            seeds,
            "lockfile_formats",
            &name,
            &[&[pick][..], cut.as_bytes()].concat(),
        );
    }
    for (name, pick, text) in OTHER_LOCKFILES {
        put(
            seeds,
            "lockfile_formats",
            name,
            &[&[*pick][..], text.as_bytes()].concat(),
        );
    }
}

const OTHER_LOCKFILES: &[(&str, u8, &str)] = &[
    (
        "pnpm9-shapes.yaml",
        0,
        "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n\nimporters:\n  .:\n    dependencies:\n      is-number:\n        specifier: ^7.0.0\n        version: 7.0.0\n      alias:\n        specifier: npm:left-pad@1.3.0\n        version: left-pad@1.3.0\n\npackages:\n  is-number@7.0.0:\n    resolution: {integrity: sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==}\n    engines: {node: '>=0.12.0'}\n  left-pad@1.3.0:\n    resolution: {tarball: https://example.com/left-pad-1.3.0.tgz}\n    hasBin: true\n    os: [linux]\n    cpu: [x64]\n    requiresBuild: true\n\nsnapshots:\n  is-number@7.0.0: {}\n  left-pad@1.3.0:\n    optional: true\n",
    ),
    (
        "pnpm5-shapes.yaml",
        0,
        "lockfileVersion: 5.4\nspecifiers:\n  a: ^1.0.0\n  b: github:o/b\ndependencies:\n  a: 1.0.0\n  b: github.com/o/b/0123456789abcdef0123456789abcdef01234567\npackages:\n  /a/1.0.0:\n    resolution: {integrity: sha1-LoWk8c1TjHb0n5gWw5GJTDBB5SA=}\n    dev: false\n  github.com/o/b/0123456789abcdef0123456789abcdef01234567:\n    resolution: {tarball: https://codeload.github.com/o/b/tar.gz/0123456789abcdef0123456789abcdef01234567}\n    name: b\n    version: 2.0.0\n    dev: true\n",
    ),
    (
        "pnpm-anchors.yaml",
        0,
        "lockfileVersion: '6.0'\nx: &anchor {a: 1}\ny: *anchor\npackages: !!map\n  /a@1.0.0: \"quoted \\u00e9\"\n",
    ),
    (
        "yarn1-shapes.lock",
        1,
        "# yarn lockfile v1\n\n\n\"@scope/a@^1.0.0\", \"@scope/a@^1.1.0\":\n  version \"1.1.0\"\n  resolved \"https://registry.yarnpkg.com/@scope/a/-/a-1.1.0.tgz#0123456789abcdef0123456789abcdef01234567\"\n  integrity sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==\n  dependencies:\n    b \"^2.0.0\"\n  optionalDependencies:\n    c \"1\"\n\nb@^2.0.0, b@npm:^2:\n  version \"2.0.0\"\n  resolved \"git+https://github.com/o/b.git#abc\"\n",
    ),
    (
        "berry-shapes.lock",
        1,
        "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"a@npm:^1.0.0, a@npm:^1.1.0\":\n  version: 1.1.0\n  resolution: \"a@npm:1.1.0\"\n  dependencies:\n    b: \"npm:^2.0.0\"\n  checksum: 10c0/00ff\n  languageName: node\n  linkType: hard\n\n\"a@patch:a@npm%3A1.1.0#~/.yarn/patches/a.patch::version=1.1.0&hash=abc\":\n  version: 1.1.0\n  resolution: \"a@patch:a@npm%3A1.1.0#~/.yarn/patches/a.patch::version=1.1.0&hash=abc\"\n  languageName: node\n  linkType: hard\n\n\"root@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"root@workspace:.\"\n  languageName: unknown\n  linkType: soft\n",
    ),
    (
        "bun-shapes.lock",
        2,
        "// comment\n{\n  \"lockfileVersion\": 1, /* block */\n  \"workspaces\": {\"\": {\"name\": \"root\", \"dependencies\": {\"a\": \"^1.0.0\",},},},\n  \"packages\": {\n    \"a\": [\"a@1.0.0\", \"\", {\"dependencies\": {\"b\": \"2\"}, \"os\": \"linux\"}, \"sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==\"],\n    \"a/b\": [\"b@2.0.0\", \"https://example.com/b.tgz\", {}, \"sha1-LoWk8c1TjHb0n5gWw5GJTDBB5SA=\"],\n    \"g\": [\"g@github:o/g#abc\", {}, \"o-g-abc\"],\n  },\n}\n",
    ),
];

const INTEGRITY: &[(&str, &str)] = &[
    (
        "several-tokens.txt",
        "sha1-LoWk8c1TjHb0n5gWw5GJTDBB5SA= sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==",
    ),
    (
        "options-and-unknown.txt",
        "  md5-AAAA sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=?opt=1\tsha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb?a?b ",
    ),
    ("bad-base64.txt", "sha512-not*base64"),
    ("bad-length.txt", "sha256-AAAA"),
];

/// `.npmrc` inputs: project file, NUL, user file, NUL, environment lines,
/// NUL, `--registry`.
const NPMRC: &[(&str, &str)] = &[
    (
        "scoped-registries-and-tokens",
        "registry=https://registry.example.com/npm/\n@corp:registry=https://npm.corp.example/\n//registry.example.com/npm/:_authToken=${NPM_TOKEN}\nalways-auth=true\n\0//npm.corp.example/:_auth=dXNlcjpwYXNz\nstrict-ssl=false\ncafile=~/ca.pem\n[section]\nregistry=http://ignored.example/\n\0NPM_TOKEN=secret\nnpm_config_//registry.example.com/npm/:_authToken=envtoken\nNPM_CONFIG_STRICT_SSL=true\n",
    ),
    (
        "quotes-comments-escapes",
        "key = \"quoted \\\"json\\\" value\" ; comment\n'single'='x'\n# comment\n ; comment\nx=a\\;b\\#c\\\\d\nempty=\nflag\r\n\rregistry = ${REG?}\nother=\\${NOT_EXPANDED}\nuserconfig=other.npmrc\n\0\0REG=https://r.example/\n",
    ),
    (
        "legacy-and-ports",
        "_authToken=legacy\n_auth=dXNlcjpwYXNz\nusername=u\n_password=cGFzcw==\n\0//[::1]:8080/x/:username=u\n//[::1]:8080/x/:_password=cGFzcw==\n//h.example:443/:_authToken=t\n//xn--bcher-kva.example/:_authToken=idna\n\0npm_config_registry=http://[::1]:8080/x\n\0https://cli.example/\n",
    ),
    (
        "environment-only",
        "\0\0npm_config_userconfig=~/alt.npmrc\nnpm_config__auth=dXNlcjpwYXNz\nnpm_config_@s:registry=https://s.example/\nnpm_config_cafile=null\n",
    ),
    (
        "token-from-the-environment",
        "//npm.example.com/:_authToken=${FUZZ_SECRET}\n@corp:registry=https://npm.example.com/\n\0//registry.npmjs.org/:_authToken=${FUZZ_SECRET}\n",
    ),
    (
        "invalid-registry",
        "@scope:registry=ftp://nope.example/\nstrict-ssl=maybe\n",
    ),
];

const CONFIG: &[(&str, &str)] = &[
    (
        "trust.toml",
        "fail-on = \"high\"\n\n[trust]\nmin-release-age = 3\nexclude = [\"some-pkg\", \"@legacy/*\"]\nignore-after-days = 365\nrequire = { \"@myorg/*\" = \"trusted-publisher\", \"*\" = \"signed\" }\n",
    ),
    (
        "trust-require-table.toml",
        "[trust.require]\n\"@myorg/*\" = \"trusted-publisher\"\n\"@myorg/legacy-cli\" = \"signed\"\n\"*\" = \"signed\"\n\n[[ignore]]\npackage = \"@myorg/ui-kit@3.2.1\"\ncode = \"trust-below-required\"\nreason = \"published by hand during the CI outage of 2026-11-03\"\nexpires = \"2027-02-28\"\n",
    ),
    (
        "errors.toml",
        "fail-on = \"urgent\"\n[levels]\nno-such-code = \"deny\"\n",
    ),
];

/// Genuine test-PKI bundles of every media type and log kind.
fn bundles(seeds: &Path) {
    let pki = test_pki();
    let specs = [
        ("v03-dsse-fulcio.json", BundleSpec::default()),
        (
            "v01-intoto-set-only.json",
            BundleSpec {
                media: Media::V01,
                kind: LogKind::Intoto002,
                inclusion_proof: false,
                checkpoint: LogSig::Absent,
                ..BundleSpec::default()
            },
        ),
        (
            "v02-npm-key.json",
            BundleSpec {
                media: Media::V02,
                signer: Signer::NpmKey,
                predicate_type: pki::NPM_PUBLISH.into(),
                ..BundleSpec::default()
            },
        ),
        (
            "v03-hashedrekord-tsa.json",
            BundleSpec {
                kind: LogKind::HashedRekord001,
                timestamp: Some(Tsa::Valid),
                ..BundleSpec::default()
            },
        ),
        (
            "v03-rekor-v2-dsse.json",
            BundleSpec {
                kind: LogKind::DsseV002,
                ..BundleSpec::default()
            },
        ),
        (
            "v03-rekor-v2-dsse-hashedrekord.json",
            BundleSpec {
                kind: LogKind::DsseHashedRekordV002,
                ..BundleSpec::default()
            },
        ),
        (
            "v03-rekor-v2-hashedrekord.json",
            BundleSpec {
                kind: LogKind::HashedRekordV002,
                ..BundleSpec::default()
            },
        ),
    ];
    for (name, spec) in specs {
        put(
            seeds,
            "bundle",
            name,
            pki.bundle(&spec).to_string().as_bytes(),
        );
    }
    put(
        seeds,
        "bundle",
        "not-a-bundle.json",
        json!({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"})
            .to_string()
            .as_bytes(),
    );
}

/// Test-PKI leaves and CAs, and the public-good root's CA certificates.
fn certificates(seeds: &Path) {
    let pki = test_pki();
    let leaves = [
        ("leaf-sct.der", BundleSpec::default()),
        (
            "leaf-no-sct-no-eku.der",
            BundleSpec {
                sct: Sct::Absent,
                code_signing_eku: false,
                ..BundleSpec::default()
            },
        ),
    ];
    for (name, spec) in leaves {
        let der = pki.leaf_cert(&spec).expect("a Fulcio signer has a leaf");
        put(seeds, "certificate", name, &der);
    }
    put(seeds, "certificate", "test-root.der", &pki.root_cert);
    put(
        seeds,
        "certificate",
        "test-intermediate.der",
        &pki.intermediate_cert,
    );
    put(seeds, "certificate", "test-tsa.der", &pki.tsa_certs[1]);
    for (i, authority) in public_root().certificate_authorities.iter().enumerate() {
        for (j, der) in authority.chain.iter().enumerate() {
            put(
                seeds,
                "certificate",
                &format!("public-good-ca{i}-{j}.der"),
                der,
            );
        }
    }
}

/// Tarballs: the first byte is the target's mode (1: gzip the rest first,
/// 0: read it as it is).
fn tarballs(seeds: &Path) {
    let manifest = json!({
        "name": "pkg",
        "version": "1.0.0",
        "scripts": {"install": "node install.js", "postinstall": 1},
        "dependencies": {"a": "^1.0.0", "b": 2},
        "gypfile": false,
        "bin": {"pkg": "cli.js"},
    });
    let mut gzipped = vec![0];
    gzipped.extend(tgz::package(&manifest, &[]));
    put(seeds, "tarball", "package.tgz", &gzipped);

    let json = manifest.to_string();
    let plain = |members: &[tgz::Member<'_>]| [&[1u8][..], &tgz::tar(members)].concat();
    put(
        seeds,
        "tarball",
        "links-and-traversal.tar",
        &plain(&[
            tgz::Member::File("package/package.json", json.as_bytes()),
            tgz::Member::Symlink("package/up", "../../etc/passwd"),
            tgz::Member::Symlink("package/lib/ok", "../index.js"),
            tgz::Member::File("package/../escape.js", b"x"),
            tgz::Member::File("/abs/path", b"x"),
            tgz::Member::File("package/Package.JSON", b"{}"),
            tgz::Member::File("package/binding.gyp", b"{}"),
        ]),
    );

    let mut tar = Tar::default();
    tar.pax(b'g', &[("comment", "global")])
        .pax(b'x', &[("path", "package/package.json"), ("size", "2")])
        .entry("ignored-name", b'0', b"{}", "")
        .entry("././@LongLink", b'L', b"package/a/very/long/name.js\0", "")
        .entry("short", b'0', b"x", "")
        .entry("package/hard", b'1', b"", "package/../../outside")
        .entry("package/dev", b'3', b"", "")
        .entry("package/fifo", b'6', b"", "")
        .entry("package/dir/", b'5', b"", "");
    put(
        seeds,
        "tarball",
        "pax-gnu-links-specials.tar",
        &[&[1u8][..], &tar.end()].concat(),
    );
}

/// A tar archive built header by header, as the tarball tests build one,
/// so that entry kinds `tgz` does not make (pax, GNU long names, hard
/// links, devices) can be seeds too.
#[derive(Default)]
struct Tar {
    bytes: Vec<u8>,
}

impl Tar {
    fn entry(&mut self, name: &str, flag: u8, data: &[u8], link: &str) -> &mut Self {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[108..116].copy_from_slice(b"0000000\0");
        h[116..124].copy_from_slice(b"0000000\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        h[136..148].copy_from_slice(b"14670000000\0");
        h[148..156].copy_from_slice(b"        ");
        h[156] = flag;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        h[257..265].copy_from_slice(b"ustar\x0000");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        self.bytes.extend_from_slice(&h);
        self.bytes.extend_from_slice(data);
        self.bytes.resize(self.bytes.len().div_ceil(512) * 512, 0);
        self
    }

    /// A pax extended header (`x`) or global one (`g`).
    fn pax(&mut self, flag: u8, records: &[(&str, &str)]) -> &mut Self {
        let mut data = String::new();
        for (key, value) in records {
            let body = format!(" {key}={value}\n");
            // The length prefix counts its own digits.
            let mut len = body.len() + 1;
            while len.to_string().len() + body.len() != len {
                len += 1;
            }
            data.push_str(&format!("{len}{body}"));
        }
        self.entry("PaxHeader/x", flag, data.as_bytes(), "")
    }

    fn end(&mut self) -> Vec<u8> {
        self.bytes.resize(self.bytes.len() + 1024, 0);
        std::mem::take(&mut self.bytes)
    }
}
