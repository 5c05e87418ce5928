/** Every way an original identifier may be written in texts the LMS and the HTTP services send back. */
export function encodings(value: string): Record<string, string> {
  const htmlDecimal = [...value].map((c) => `&#${c.codePointAt(0)};`).join("");
  const htmlHex = [...value].map((c) => `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`).join("");
  const pythonJson = JSON.stringify(value).slice(1, -1).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return {
    plain: value,
    upper: value.toUpperCase(),
    url: encodeURIComponent(value),
    urlLower: encodeURIComponent(value).toLowerCase(),
    urlTwice: encodeURIComponent(encodeURIComponent(value)),
    form: new URLSearchParams({ q: value }).toString().slice(2),
    json: JSON.stringify(value).slice(1, -1),
    pythonJson,
    jsonInJson: JSON.stringify(JSON.stringify(value)).slice(1, -1),
    jsonInJsonAscii: JSON.stringify(pythonJson).slice(1, -1),
    htmlEscaped: value.replace(/&/g, "&amp;").replace(/'/g, "&#x27;").replace(/"/g, "&quot;"),
    htmlDecimal,
    htmlHex,
    htmlNamed: value.replace(/@/g, "&commat;").replace(/\./g, "&period;").replace(/'/g, "&apos;"),
    mixed: value.replace("@", "%40").replace(".", "&#46;"),
  };
}
