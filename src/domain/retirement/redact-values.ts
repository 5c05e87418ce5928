/** Replaces every occurrence (case-insensitive) of these values in `text`; empty and very short values are ignored. */
export function redactValues(text: string, values: ReadonlyArray<string | null | undefined>, mask = "[redacted]"): string {
  let out = text;
  // Longest first, so an email is blanked whole before the username inside it.
  const wanted = [...new Set(values.filter((v): v is string => typeof v === "string" && v.trim().length >= 3).map((v) => v.trim()))].sort((a, b) => b.length - a.length);
  for (const value of wanted) {
    const pattern = new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi");
    out = out.replace(pattern, mask);
  }
  return out;
}
