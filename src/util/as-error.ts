/** A thrown value as an Error (JavaScript lets anything be thrown; callers pass errors on and read `.message`). */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
