// Option declarations and value helpers live in src/command-line/ (parsing is commander's), a layer producers may
// use too; this module keeps the CLI commands' imports short.
export { parseIds, parseIntOption } from "../command-line/values";
