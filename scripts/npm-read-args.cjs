#!/usr/bin/env node
// How an installed npm reads command lines: for the tests of
// `lockproof install` (src/commands/install/npm_args/tests.rs), which hand
// it the arguments lockproof would run `npm` with and check that npm still
// reads lockproof's own settings as lockproof wrote them.
//
//   node scripts/npm-read-args.cjs NPM_FOLDER < argument-lists.json
//
// Reads a JSON array of argument lists (what follows `npm`), parses each
// with that npm's own configuration loader (@npmcli/config: nopt with npm's
// option definitions and shorthands, exactly as `npm` parses its command
// line), and prints a JSON array with, for each list, the options it set on
// the command line (`cli`) and the plain arguments (`remain`), or the
// `error` npm stops with.

'use strict'

const path = require('node:path')

const folder = process.argv[2]
const lib = path.join(folder, 'node_modules', '@npmcli', 'config')
const Config = require(lib)
const { definitions, shorthands, flatten, nerfDarts } = require(path.join(lib, 'lib', 'definitions'))

const read = (args) => {
  try {
    const config = new Config({
      definitions,
      shorthands,
      flatten,
      nerfDarts,
      npmPath: folder,
      argv: [process.execPath, path.join(folder, 'bin', 'npm-cli.js'), ...args],
      env: {},
      warn: false,
    })
    // As `npm` loads its configuration: the defaults first (npm checks
    // options that exclude each other against them), then the command line.
    config.loadDefaults()
    config.loadCLI()
    return { cli: { ...config.data.get('cli').data }, remain: config.parsedArgv.remain }
  } catch (error) {
    return { error: String(error && error.message) }
  }
}

let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => { input += chunk })
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map(read)) + '\n')
})
