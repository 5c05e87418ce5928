/**
 * Just enough Markdown reading for the README/docs tests: the prose and code of a document, its links and the anchors
 * GitHub gives its headings. Hand-made on purpose: the tests need only links, headings and code spans, and a full
 * Markdown parser would be a dependency for three regular expressions.
 */

/** A document split into prose (code blanked out) and the code itself (fenced blocks and inline spans). */
export interface MarkdownParts {
  prose: string;
  code: string[];
}

export function splitMarkdown(text: string): MarkdownParts {
  const code: string[] = [];
  const withoutFences = text.replace(/^```[^\n]*\n([\s\S]*?)^```$/gm, (_m, body: string) => {
    code.push(body);
    return "";
  });
  const prose = withoutFences.replace(/`([^`\n]+)`/g, (_m, body: string) => {
    code.push(body);
    return "CODE";
  });
  return { prose, code };
}

/** Link targets of the prose: `[text](target)` and `![alt](target)`, without a title. */
export function linkTargets(text: string): string[] {
  return [...splitMarkdown(text).prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes; repeats get -1, -2, … */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
  for (const m of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = m[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}
