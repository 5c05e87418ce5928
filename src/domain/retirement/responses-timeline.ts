/** One entry of a learner's `responses` history: the creation line, or one "Moved from … to …" move with its text. */
export interface TimelineEntry {
  /** "created" for the text before the first move (create_retirement's line), else "moved". */
  kind: "created" | "moved";
  /** State descriptions as written, e.g. "PENDING (step 1)"; absent for the creation entry. */
  from?: string;
  to?: string;
  /** What was recorded with the move (who and why, an error, an HTTP try…), as written. */
  text: string;
}

// update_state's text (transitionText): "\n Moved from <from> to <to>:\n<response>\n".
const MOVE = /\n Moved from (.+?) to (.+?):\n/g;

/**
 * Splits `responses` into its entries, oldest first. The LMS keeps one text column with no timestamps, so the order
 * of the moves is all there is; notes appended without a move (failed tries) stay in the text of the move before.
 */
export function responsesTimeline(responses: string): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const moves = [...responses.matchAll(MOVE)];
  const head = responses.slice(0, moves[0]?.index ?? responses.length).trim();
  if (head) entries.push({ kind: "created", text: head });
  moves.forEach((m, i) => {
    const end = moves[i + 1]?.index ?? responses.length;
    entries.push({ kind: "moved", from: m[1], to: m[2], text: responses.slice(m.index + m[0].length, end).trim() });
  });
  return entries;
}
