#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built by `npm run build`); development and tests may run src/ through tsx.
const fs = require("node:fs");
const path = require("node:path");

const dist = path.join(__dirname, "..", "dist", "cli");
if (!fs.existsSync(path.join(dist, "main.js"))) {
  process.stderr.write(`openedx-workers: the compiled code is missing (${path.dirname(dist)}): run \`npm run build\` first\n`);
  process.exit(1);
}
require(path.join(dist, "quiet-warnings.js"));
require(path.join(dist, "main.js"));
