/**
 * Layers point down only: domain ← services ← workers/producers ← cli/console (`npm run check:layers`, run by CI).
 * The shared infrastructure (config, errors, logging, entities, db, queues, storage, util, command-line) sits
 * under services and never imports the layers above it; app/ (the context that builds the services and that they
 * receive) sits beside services.
 * It runs on the compiled dist/ (`npm run build` first): dependency-cruiser cannot read TypeScript without the
 * TypeScript 5 compiler API, which TypeScript 7 does not have, so it reads the emitted require() graph, which is
 * the code's runtime dependency graph (type-only imports are erased and not checked). Paths are matched as
 * src/… or dist/… alike.
 */
const UPPER = "^(?:src|dist)/(services|producers|workers|cli|console)/";
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
      comment: "config, errors, logging, entities, db, queues, storage, util and command-line serve the layers above",
      severity: "error",
      from: { path: "^(?:src|dist)/(config|errors|logging|entities|db|queues|storage|util|command-line)/" },
      to: { path: UPPER },
    },
    {
      name: "app-context-not-upward",
      comment: "app/ builds the services into the context that services, workers, producers and the CLI receive; it imports none of the layers above services",
      severity: "error",
      from: { path: "^(?:src|dist)/app/" },
      to: { path: "^(?:src|dist)/(workers|producers|cli|console)/" },
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
      name: "cli-errors-stay-in-the-cli",
      comment: "CommandError and UsageError are the CLI's; below it throw RequestRefusedError / InvalidArgumentsError",
      severity: "error",
      from: { path: "^(?:src|dist)/", pathNot: "^(?:src|dist)/(cli|console)/|^(?:src|dist)/errors/(command|usage)-error\\.(ts|js)$" },
      to: { path: "^(?:src|dist)/errors/(command|usage)-error\\.(ts|js)$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
  },
};
