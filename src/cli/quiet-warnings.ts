/**
 * The AWS SDK prints a multi-line notice on every start that its 2027 releases will need Node 22. It is about
 * future upgrades, not this run, and it would drown the CLI's own output; the README (Node versions) carries the note instead.
 */
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === "string" ? warning : warning.message;
  if (text.startsWith("NodeVersionSupportWarning")) return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;
