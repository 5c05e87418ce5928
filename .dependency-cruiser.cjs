/**
 * Layers point down only: domain ← services ← workers/producers ← cli/console (`npm run check:layers`, run by CI).
 * The shared infrastructure (config, errors, logging, entities, db, queues, storage, util, command-line) sits
 * under services and never imports the layers above it; app/ (the context that builds the services and that they
 * receive) sits beside services. Type-only imports count: a type is a dependency too.
 * dependency-cruiser reads TypeScript through @swc/core (it does not support TypeScript 7's compiler).
 */
const UPPER = "^src/(services|producers|workers|cli|console)/";
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "domain/ holds edx-platform's rules as plain functions: it imports nothing of the service's own but itself",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { path: "^src/", pathNot: "^src/domain/" },
    },
    {
      name: "infrastructure-not-upward",
      comment: "config, errors, logging, entities, db, queues, storage, util and command-line serve the layers above",
      severity: "error",
      from: { path: "^src/(config|errors|logging|entities|db|queues|storage|util|command-line)/" },
      to: { path: UPPER },
    },
    {
      name: "app-context-not-upward",
      comment: "app/ builds the services into the context that services, workers, producers and the CLI receive; it imports none of the layers above services",
      severity: "error",
      from: { path: "^src/app/" },
      to: { path: "^src/(workers|producers|cli|console)/" },
    },
    {
      name: "services-not-upward",
      comment: "a service never imports workers/, producers/, the CLI or the console",
      severity: "error",
      from: { path: "^src/services/" },
      to: { path: "^src/(workers|producers|cli|console)/" },
    },
    {
      name: "producers-and-workers-not-upward",
      comment: "a producer or a worker never imports the CLI (its parser, its errors) or the console",
      severity: "error",
      from: { path: "^src/(producers|workers)/" },
      to: { path: "^src/(cli|console)/|^src/errors/(command|usage)-error\\.ts$" },
    },
    {
      name: "cli-errors-stay-in-the-cli",
      comment: "CommandError and UsageError are the CLI's; below it throw RequestRefusedError / InvalidArgumentsError",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(cli|console)/|^src/errors/(command|usage)-error\\.ts$" },
      to: { path: "^src/errors/(command|usage)-error\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    parser: "swc",
  },
};
