//! Inspects downloaded tarballs and puts them into an npm cache folder, to
//! try `npm ci --offline --cache <folder>` against lockproof's writer.
//!
//! ```text
//! cargo run --example fill_npm_cache -- <cache-folder> \
//!     <url> <integrity> <tarball.tgz> [<url> <integrity> <tarball.tgz> ...]
//! ```
//!
//! Prints each tarball's violations and manifest summary, then writes it
//! with [`NpmCache::put`]. Exits 1 on a bad argument or a failed write.

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;

use lockproof::cacache::NpmCache;
use lockproof::tarball::{self, Limits};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("fill_npm_cache: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((root, triples)) = args.split_first() else {
        return Err("usage: fill_npm_cache <cache-folder> (<url> <integrity> <tarball>)...".into());
    };
    if triples.is_empty() || triples.len() % 3 != 0 {
        return Err("expected <url> <integrity> <tarball> triples after the folder".into());
    }
    let cache = NpmCache::new(root);
    for triple in triples.chunks(3) {
        let (url, integrity, path) = (&triple[0], &triple[1], &triple[2]);
        let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
        let found = tarball::inspect(BufReader::new(file), &Limits::default())
            .map_err(|e| format!("{path}: {e}"))?;
        let m = found.manifest.clone().unwrap_or_default();
        println!(
            "{path}: {} entries, {} bytes decompressed, name {:?} version {:?}, install scripts {:?}, implicit node-gyp {}",
            found.entries,
            found.decompressed_bytes,
            m.name,
            m.version,
            [&m.preinstall, &m.install, &m.postinstall],
            found.implicit_gyp_install(),
        );
        for v in &found.violations {
            println!("  violation: {v}");
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        cache
            .put(url, integrity, &bytes)
            .map_err(|e| format!("{path}: {e}"))?;
        println!("  stored under {}", cache.root().display());
    }
    Ok(())
}
