import { parseCourseKey } from "../course-key";

/**
 * The `org` part of the keys the backfill reads. Course run keys come from course_overviews_courseoverview.id
 * (every form opaque-keys parses for a run: course-v1, the deprecated Org/Course/Run, ccx-v1); V1 content library
 * keys (`library-v1:Org+Code`) come from the operator's file, since this service does not reach the modulestore.
 */

// opaque-keys' ALLOWED_ID_CHARS ([\w\-~.:] with Unicode \w), as in course-key.ts.
const ID = "[\\p{L}\\p{N}\\p{M}_~.:-]+";
/** LibraryLocator: `library-v1:org+library`, optionally `+branch@…` and/or `+version@…` (both ignored here). */
const LIBRARY_V1 = new RegExp(`^library-v1:(${ID})\\+(${ID})(?:\\+branch@${ID})?(?:\\+version@[0-9a-f]{24})?$`, "u");

export interface LibraryKey {
  text: string;
  org: string;
  library: string;
}

/** Parses a V1 (modulestore) content library key; null for anything else. */
export function parseLibraryKey(text: string): LibraryKey | null {
  const m = LIBRARY_V1.exec(text);
  return m ? { text, org: m[1], library: m[2] } : null;
}

/** The org of a course run key as stored in course_overviews_courseoverview.id; null when the key is malformed. */
export function courseRunOrg(courseId: string): string | null {
  return parseCourseKey(courseId)?.org ?? null;
}
