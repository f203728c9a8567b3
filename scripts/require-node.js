#!/usr/bin/env node
// Run before `npm start` and `npm test`: on a Node older than package.json's engines (">=24") stop with one line that
// says how to get Node 24, rather than fail later in the build or at run time. Plain CommonJS that any Node runs.
'use strict';
const { engines } = require('../package.json');

/** The message for `version` (e.g. "v20.19.0") when it is older than the engines range ">=N", or null if it is new enough. */
function nodeVersionProblem(version, range) {
  const required = Number(/^>=\s*(\d+)/.exec(range)[1]);
  const major = Number(/^v?(\d+)/.exec(version)[1]);
  if (major >= required) return null;
  return (
    `yolov5-detector needs Node.js ${required} or newer, this is Node.js ${version}: ` +
    `run \`source scripts/use-node24.sh\` (or \`nvm install ${required}\`, or install it from https://nodejs.org), then try again.`
  );
}

if (require.main === module) {
  const problem = nodeVersionProblem(process.version, engines.node);
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
}

module.exports = { nodeVersionProblem };
