/** Regenerates the configuration table in README.md from the config sections: `npx tsx scripts/update-readme-config.ts` */
import fs from "node:fs";
import path from "node:path";
import { withConfigTable } from "../src/config/reference-table";

const file = path.resolve(__dirname, "../README.md");
fs.writeFileSync(file, withConfigTable(fs.readFileSync(file, "utf8")));
console.log("README.md configuration table updated");
