/**
 * JSON as Python's `json.dumps` writes it with its defaults (what `requests.post(json=…)` sends): ", " and ": "
 * separators and non-ASCII escaped as \uXXXX. Hand-made because no JSON library offers this form, and the
 * retirement calls are meant to be byte-identical to upstream's driver.
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`)
      .join(", ")}}`;
  }
  if (typeof value === "string") return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return JSON.stringify(value);
}
