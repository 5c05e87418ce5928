import { configReference } from ".";

/** Where the generated reference lives, relative to the repository root (the README links to it). */
export const CONFIG_REFERENCE_FILE = "docs/configuration.md";

/** The Markdown table of every variable, as `config --reference` prints it and docs/configuration.md embeds it. */
export function configReferenceTable(): string {
  const rows = configReference().map((d) => {
    const def = d.default !== undefined && d.default !== "" ? `\`${d.default.replace(/\|/g, "\\|")}\`` : "—";
    return `| \`${d.name}\` | ${def} | ${d.description.replace(/\|/g, "\\|")} |`;
  });
  return ["| variable | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

const MARKERS = { start: "<!-- config-reference:start -->", end: "<!-- config-reference:end -->" };

/** The reference document's text with the generated table between the markers replaced by the current one. */
export function withConfigTable(doc: string): string {
  const start = doc.indexOf(MARKERS.start);
  const end = doc.indexOf(MARKERS.end);
  if (start < 0 || end < start) throw new Error(`${CONFIG_REFERENCE_FILE} has no config reference markers`);
  return `${doc.slice(0, start + MARKERS.start.length)}\n${configReferenceTable()}\n${doc.slice(end)}`;
}
