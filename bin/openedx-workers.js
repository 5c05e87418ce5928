#!/usr/bin/env node
// The service runs its TypeScript sources directly through tsx, so `npm ci` is the whole install.
require("tsx/cjs/api").register();
require("../src/cli/quiet-warnings.ts");
require("../src/cli/main.ts");
