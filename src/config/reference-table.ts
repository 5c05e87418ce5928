import { configReference } from ".";

/** The Markdown table of every variable, as `config --reference` prints it and the README embeds it. */
export function configReferenceTable(): string {
  const rows = configReference().map((d) => {
    const def = d.default !== undefined && d.default !== "" ? `\`${d.default.replace(/\|/g, "\\|")}\`` : "—";
    return `| \`${d.name}\` | ${def} | ${d.description.replace(/\|/g, "\\|")} |`;
  });
  return ["| variable | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

const README_MARKERS = { start: "<!-- config-reference:start -->", end: "<!-- config-reference:end -->" };

/** README text with the generated table between the markers replaced by the current one. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(README_MARKERS.start);
  const end = readme.indexOf(README_MARKERS.end);
  if (start < 0 || end < start) throw new Error("README has no config reference markers");
  return `${readme.slice(0, start + README_MARKERS.start.length)}\n${configReferenceTable()}\n${readme.slice(end)}`;
}
