/** Where a refused redirect target goes instead. */
export const DEFAULT_REDIRECT = "/";

// Any origin works: only whether a target stays on it matters (the console may be served under any host name).
const BASE = "http://console.invalid";
/** C0 controls, DEL and C1 controls: browsers drop or reinterpret them (`/\t/evil` becomes `//evil`). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** How many layers of percent-encoding are looked through: `%252F` is `/` encoded twice. */
const DECODE_LAYERS = 4;

/**
 * A redirect target of this console, or undefined. Browsers are lenient with a Location header: they drop tabs and
 * newlines, read `\` as `/`, and take `//host` (or `/\host`) as another site. Django's `url_has_allowed_host_and_scheme`
 * (django/utils/http.py) refuses the same forms; here the target must also be a path: a scheme (`javascript:`,
 * `https:`) is refused, and so is any of these forms hidden behind percent-encoding, since a later hop (the sign-in
 * page's own `next`, a proxy) may decode it again. The answer is the normalised path (`/a/../b` → `/b`), re-checked
 * after normalisation (`/.//evil` normalises to `//evil`).
 */
export function safeRedirectTarget(target: unknown): string | undefined {
  if (typeof target !== "string" || target.length === 0 || target.length > 2048) return undefined;
  let layer = target;
  for (let i = 0; i <= DECODE_LAYERS; i++) {
    if (!plainLocalPath(layer)) return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(layer);
    } catch {
      return undefined; // malformed percent-encoding: nothing a page of ours links to
    }
    if (decoded === layer) break;
    if (i === DECODE_LAYERS) return undefined;
    layer = decoded;
  }
  let url: URL;
  try {
    url = new URL(target, BASE);
  } catch {
    return undefined;
  }
  const normalised = url.pathname + url.search + url.hash;
  return url.origin === BASE && plainLocalPath(normalised) ? normalised : undefined;
}

/** A target that is a path of this site in every browser's reading: starts with one `/`, no controls, no `\`. */
function plainLocalPath(value: string): boolean {
  return value.startsWith("/") && !value.startsWith("//") && !CONTROL.test(value) && !value.includes("\\");
}

/** `next` of the sign-in form (or any redirect target) if it is safe, else the default page. */
export function safeNext(next: unknown): string {
  return safeRedirectTarget(next) ?? DEFAULT_REDIRECT;
}
