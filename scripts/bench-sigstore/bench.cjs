// sigstore-js side of scripts/bench-sigstore.sh: verifies the real npm
// bundles offline with @sigstore/verify and prints bundles/s per kind.
//
// Usage: node bench.cjs FIXTURES_DIR SECONDS NODE_PROJECT_DIR
//
// NODE_PROJECT_DIR is the folder where the script ran `npm i sigstore ...`;
// the packages are loaded from there, so nothing is installed in the repo.
//
// It does what `npm audit signatures` does per bundle (pacote calls
// sigstore.verify, which is bundleFromJSON + toSignedEntity +
// Verifier.verify), minus the TUF fetch and trust-material set-up, which
// are done once here: the trusted root is the fixtures' file, npm's keys
// come from npm-keys.v1.json, looked up by the bundle's key hint with their
// expiry as the end of validity. Like pacote (and like lockproof's
// Artifact::Digests), it then checks that the statement names the tarball's
// sha512, which @sigstore/verify leaves to the caller for DSSE bundles.
//
// Output lines, read by the script:
//   VERSION <package> <version>
//   verified <kind> <label> <signer>
//   RESULT <kind> <mode> <bundles/s> <verifications> <seconds>
// Modes: `text` parses the bundle's JSON text every time (JSON.parse +
// bundleFromJSON + toSignedEntity); `verify` reuses a prepared signed entity.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const PUBLISH = 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1';
const KINDS = ['provenance-v0.1', 'provenance-v0.3', 'publish'];
const WARM_UP_MS = 300;

function fail(msg) {
  console.error(`bench.cjs: FAILED: ${msg}`);
  process.exit(1);
}

const [dir, secondsArg, projectDir] = process.argv.slice(2);
if (!dir || !secondsArg || !projectDir) {
  fail('usage: node bench.cjs FIXTURES_DIR SECONDS NODE_PROJECT_DIR');
}
const seconds = Number(secondsArg);
if (!(seconds > 0)) fail(`seconds must be a positive number, not ${secondsArg}`);

// Resolve the packages from the work folder's node_modules, not from here.
const req = createRequire(path.join(path.resolve(projectDir), 'package.json'));
const { bundleFromJSON } = req('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = req('@sigstore/verify');
const { TrustedRoot, PublicKeyDetails } = req('@sigstore/protobuf-specs');

for (const pkg of ['sigstore', '@sigstore/verify', '@sigstore/bundle', '@sigstore/core']) {
  console.log(`VERSION ${pkg} ${req(`${pkg}/package.json`).version}`);
}
console.log(`VERSION node ${process.version}`);

function readJSON(name) {
  const file = path.join(dir, name);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`${file}: ${e.message}`);
  }
}

function bundleVersion(mediaType) {
  switch (mediaType) {
    case 'application/vnd.dev.sigstore.bundle+json;version=0.1':
      return 'v0.1';
    case 'application/vnd.dev.sigstore.bundle+json;version=0.2':
      return 'v0.2';
    case 'application/vnd.dev.sigstore.bundle+json;version=0.3':
    case 'application/vnd.dev.sigstore.bundle.v0.3+json':
      return 'v0.3';
    default:
      return null;
  }
}

// --- trust material, once ---------------------------------------------------
const trustedRoot = TrustedRoot.fromJSON(readJSON('sigstore-trusted_root.json'));
const npmKeys = {};
for (const k of readJSON('npm-keys.v1.json').keys || []) {
  npmKeys[k.keyid] = {
    rawBytes: Buffer.from(k.key, 'base64'),
    keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
    validFor: { start: new Date(0), end: k.expires ? new Date(k.expires) : undefined },
  };
}
const verifier = new Verifier(toTrustMaterial(trustedRoot, npmKeys));

// --- the bundles --------------------------------------------------------------
const digests = {};
for (const line of fs.readFileSync(path.join(dir, 'tarball-digests.txt'), 'utf8').split('\n')) {
  const [file, ...parts] = line.trim().split(/\s+/);
  const hex = parts.find((p) => p.startsWith('sha512hex='));
  if (file && hex) digests[file] = hex.slice('sha512hex='.length);
}
const cases = [];
for (const file of fs.readdirSync(dir).filter((n) => n.endsWith('.attestations.json')).sort()) {
  const stem = file.slice(0, -'.attestations.json'.length);
  const sha512 = digests[`${stem}.tgz`];
  if (!sha512) fail(`${file}: no digest for ${stem}.tgz`);
  for (const { predicateType, bundle } of readJSON(file).attestations || []) {
    const version = bundleVersion(bundle.mediaType);
    if (!version) fail(`${file}: unknown bundle media type ${bundle.mediaType}`);
    const kind = predicateType === PUBLISH ? 'publish' : `provenance-${version}`;
    if (!KINDS.includes(kind)) fail(`${file}: ${kind} fits no measured kind`);
    // The same JSON text for every tool: the bundle re-serialised compactly.
    cases.push({ kind, label: `${stem} bundle ${version}`, sha512, text: JSON.stringify(bundle) });
  }
}
if (cases.length === 0) fail(`no attestation bundles in ${dir}`);

// --- one verification ---------------------------------------------------------
function prepare(text) {
  return toSignedEntity(bundleFromJSON(JSON.parse(text)));
}

function verifyEntity(entity, bundleJSON, sha512) {
  // Throws VerificationError on any failure; no policy = any identity.
  const signer = verifier.verify(entity);
  // The tarball must be a subject, as pacote checks next to sigstore.verify.
  const statement = JSON.parse(Buffer.from(bundleJSON.dsseEnvelope.payload, 'base64').toString('utf8'));
  if (!statement.subject.some((s) => s.digest && s.digest.sha512 === sha512)) {
    throw new Error('the tarball digest is not a subject of the statement');
  }
  return signer;
}

function verifyText(c) {
  const json = JSON.parse(c.text);
  const entity = toSignedEntity(bundleFromJSON(json));
  return verifyEntity(entity, json, c.sha512);
}

// Verify every bundle once and say who signed before timing anything: a
// harness that timed failures would measure nothing.
for (const c of cases) {
  let signer;
  try {
    signer = verifyText(c);
  } catch (e) {
    fail(`${c.kind} ${c.label}: ${e.message}`);
  }
  const who = signer.identity
    ? `by ${signer.identity.subjectAlternativeName}`
    : `by npm key ${JSON.parse(c.text).verificationMaterial.publicKey.hint}`;
  console.log(`verified ${c.kind} ${c.label.replace(/ /g, '_')} ${who}`);
}

// Runs step round-robin over n bundles until budgetMs has passed.
function timed(n, budgetMs, step) {
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(budgetMs * 1e6));
  let count = 0;
  for (;;) {
    step(count % n);
    count += 1;
    const elapsed = process.hrtime.bigint() - start;
    if (elapsed >= budget) return [count, Number(elapsed) / 1e9];
  }
}

for (const kind of KINDS) {
  const ofKind = cases.filter((c) => c.kind === kind);
  if (ofKind.length === 0) {
    console.log(`SKIP ${kind}: no bundle of this kind`);
    continue;
  }
  const prepared = ofKind.map((c) => ({ entity: prepare(c.text), json: JSON.parse(c.text) }));
  const modes = [
    ['text', (i) => verifyText(ofKind[i])],
    ['verify', (i) => verifyEntity(prepared[i].entity, prepared[i].json, ofKind[i].sha512)],
  ];
  for (const [mode, step] of modes) {
    try {
      timed(ofKind.length, WARM_UP_MS, step);
      const [count, secs] = timed(ofKind.length, seconds * 1000, step);
      console.log(`RESULT ${kind} ${mode} ${(count / secs).toFixed(1)} ${count} ${secs.toFixed(3)}`);
    } catch (e) {
      fail(`${kind} ${mode}: ${e.message}`);
    }
  }
}
