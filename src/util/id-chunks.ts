/**
 * The ids, each once and ascending, in chunks of at most `size`: the same ids asked for again make the same chunks,
 * so a chunk job's id (made from its ids) finds the job already queued.
 */
export function idChunks(ids: readonly number[], size: number): number[][] {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const chunks: number[][] = [];
  for (let i = 0; i < sorted.length; i += size) chunks.push(sorted.slice(i, i + size));
  return chunks;
}
