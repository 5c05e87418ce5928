// Part of `npm run build`: copies what the compiled code reads beside itself (console views and assets, the
// vendored Avro schemas) from src/ to dist/, keeping the layout. Plain JavaScript: the build needs no tsx.
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
fs.cpSync(path.join(root, "src"), path.join(root, "dist"), {
  recursive: true,
  filter: (source) => fs.statSync(source).isDirectory() || !source.endsWith(".ts"),
});
