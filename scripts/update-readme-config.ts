/**
 * Regenerates the configuration reference (docs/configuration.md, which the README points to) from the config
 * sections: `npx tsx scripts/update-readme-config.ts`. test/config/readme.test.ts fails while it is out of step.
 */
import fs from "node:fs";
import path from "node:path";
import { CONFIG_REFERENCE_FILE, withConfigTable } from "../src/config/reference-table";

const file = path.resolve(__dirname, "..", CONFIG_REFERENCE_FILE);
fs.writeFileSync(file, withConfigTable(fs.readFileSync(file, "utf8")));
console.log(`${CONFIG_REFERENCE_FILE} configuration table updated`);
