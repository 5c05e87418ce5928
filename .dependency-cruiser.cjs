/**
 * Layers point down only (`npm run check:layers`, run by CI), from the bottom:
 *   domain ← infrastructure ← app ← services ← workers/producers ← cli/console
 * - domain/: edx-platform's rules as plain functions; imports nothing of the service's own.
 * - infrastructure: config, errors, logging, entities, db, queues, storage, util, command-line; never imports a
 *   layer above it.
 * - app/: the AppContext every service, worker, producer and command receives, and the contracts it carries
 *   (CertificateChangeRecorder, WaffleSwitchReader). It sits below services: it imports none of them, not even a
 *   type; services implement its contracts and services/app-context-factory.ts builds the context.
 * - services/: the I/O a job runs; workers/ and producers/ above them; cli/ and console/ at the top.
 * And no import circles anywhere in src/ (`no-circular`): a circle makes the order modules load in decide what is
 * defined, and hides which side is the lower one.
 *
 * It reads the TypeScript sources (src/), type-only imports included (`tsPreCompilationDeps: true`): an
 * `import type` from a layer above is as much an upward dependency as a runtime one, and the compiled dist/ erases
 * it. dependency-cruiser's TypeScript parser needs the TypeScript 2–6 compiler API, which TypeScript 7 (this
 * project's compiler, a native binary) does not ship, so the sources are parsed with SWC (`parser: "swc"`,
 * @swc/core, a devDependency); SWC keeps `import type` declarations in its syntax tree, so they count.
 * Paths are matched as src/… or dist/… alike (the rules also hold for a compiled tree).
 */
// Without @swc/core dependency-cruiser would read no TypeScript at all and pass on 0 modules: refuse instead.
try {
  require.resolve("@swc/core");
} catch {
  throw new Error("check:layers parses src/ with SWC but @swc/core is not installed: run `npm install`");
}

const UPPER = "^(?:src|dist)/(app|services|producers|workers|cli|console)/";
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "domain/ holds edx-platform's rules as plain functions: it imports nothing of the service's own but itself",
      severity: "error",
      from: { path: "^(?:src|dist)/domain/" },
      to: { path: "^(?:src|dist)/", pathNot: "^(?:src|dist)/domain/" },
    },
    {
      name: "infrastructure-not-upward",
      comment: "config, errors, logging, entities, db, queues, storage, util and command-line serve the layers above (app/ included)",
      severity: "error",
      from: { path: "^(?:src|dist)/(config|errors|logging|entities|db|queues|storage|util|command-line)/" },
      to: { path: UPPER },
    },
    {
      name: "app-context-not-upward",
      comment: "app/ declares the context (and the contracts it carries) that services, workers, producers and the CLI receive: it stays below services and imports none of them (services/app-context-factory.ts builds it)",
      severity: "error",
      from: { path: "^(?:src|dist)/app/" },
      to: { path: "^(?:src|dist)/(services|workers|producers|cli|console)/" },
    },
    {
      name: "services-not-upward",
      comment: "a service never imports workers/, producers/, the CLI or the console",
      severity: "error",
      from: { path: "^(?:src|dist)/services/" },
      to: { path: "^(?:src|dist)/(workers|producers|cli|console)/" },
    },
    {
      name: "producers-and-workers-not-upward",
      comment: "a producer or a worker never imports the CLI (its parser, its errors) or the console",
      severity: "error",
      from: { path: "^(?:src|dist)/(producers|workers)/" },
      to: { path: "^(?:src|dist)/(cli|console)/|^(?:src|dist)/errors/(command|usage)-error\\.(ts|js)$" },
    },
    {
      name: "only-cli-and-console-import-them",
      comment: "cli/ and console/ are the top: nothing but cli/ and console/ imports them",
      severity: "error",
      from: { path: "^(?:src|dist)/", pathNot: "^(?:src|dist)/(cli|console)/" },
      to: { path: "^(?:src|dist)/(cli|console)/" },
    },
    {
      name: "cli-errors-stay-in-the-cli",
      comment: "CommandError and UsageError are the CLI's; below it throw RequestRefusedError / InvalidArgumentsError",
      severity: "error",
      from: { path: "^(?:src|dist)/", pathNot: "^(?:src|dist)/(cli|console)/|^(?:src|dist)/errors/(command|usage)-error\\.(ts|js)$" },
      to: { path: "^(?:src|dist)/errors/(command|usage)-error\\.(ts|js)$" },
    },
    {
      name: "no-circular",
      comment: "no import circles (type-only imports included): a circle makes load order decide what is defined, and no layer of it is the lower one",
      severity: "error",
      from: { path: "^(?:src|dist)/" },
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "an import that resolves to nothing would hide an edge from the rules above",
      severity: "error",
      from: { path: "^(?:src|dist)/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    parser: "swc",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: require("node:path").join(__dirname, "tsconfig.build.json") },
  },
};
