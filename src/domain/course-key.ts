/**
 * Course run keys as edx-platform's opaque-keys parses them (CourseKey.from_string), limited to what a course run
 * can be: `course-v1:Org+Course+Run`, the deprecated `Org/Course/Run`, and CCX runs `ccx-v1:Org+Course+Run+ccx@N`.
 * Branch/version-qualified keys and libraries are refused: no enrollment, grade or certificate row carries them.
 */
export interface CourseKey {
  /** The key exactly as stored in course_id columns. */
  text: string;
  org: string;
  course: string;
  run: string;
  /** Deprecated slash-separated form (pre-2014 runs). */
  deprecated: boolean;
  /** CCX id when this is a Custom Course for edX run (upstream: the key has a `ccx` attribute). */
  ccx?: number;
}

// opaque-keys' ALLOWED_ID_CHARS is [\w\-~.:] with Python's Unicode \w (letters, digits, marks, underscore).
const ID = "[\\p{L}\\p{N}\\p{M}_~.:-]+";
const COURSE_V1 = new RegExp(`^course-v1:(${ID})\\+(${ID})\\+(${ID})$`, "u");
const CCX_V1 = new RegExp(`^ccx-v1:(${ID})\\+(${ID})\\+(${ID})\\+ccx@(\\d+)$`, "u");
// Deprecated keys never held ':' in practice; refusing it keeps "course-v1:A/B/C" from passing as deprecated.
const OLD_ID = "[\\p{L}\\p{N}\\p{M}_~.-]+";
const DEPRECATED = new RegExp(`^(${OLD_ID})/(${OLD_ID})/(${OLD_ID})$`, "u");
/** course_id columns are varchar(255). */
const MAX_LENGTH = 255;

/** Parses a course run key; returns null for anything that is not one. */
export function parseCourseKey(text: string): CourseKey | null {
  if (typeof text !== "string" || text.length === 0 || text.length > MAX_LENGTH) return null;
  let m = COURSE_V1.exec(text);
  if (m) return { text, org: m[1], course: m[2], run: m[3], deprecated: false };
  m = CCX_V1.exec(text);
  if (m) {
    const ccx = Number(m[4]);
    return Number.isSafeInteger(ccx) ? { text, org: m[1], course: m[2], run: m[3], deprecated: false, ccx } : null;
  }
  m = DEPRECATED.exec(text);
  if (m) return { text, org: m[1], course: m[2], run: m[3], deprecated: true };
  return null;
}

export function isCcxCourseKey(key: CourseKey): boolean {
  return key.ccx !== undefined;
}
