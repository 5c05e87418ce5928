import { defineSection } from "../section";
import { bool, int, variable } from "../variable";

/** LMS features and toggles that decide what else happens when a certificate changes (the LMS's signal handlers). */
export interface LmsFeaturesConfig {
  /**
   * is_prerequisite_courses_enabled(): FEATURES['ENABLE_PREREQUISITE_COURSES'] and the milestones app; a passing
   * certificate then fulfils the course's milestones (handle_course_cert_awarded).
   */
  prerequisiteCourses: boolean;
  /** How long a waffle switch read from waffle_switch is kept in memory. */
  waffleCacheMs: number;
}

export const lmsFeaturesSection = defineSection(
  {
    ENABLE_PREREQUISITE_COURSES: variable(bool(), {
      description:
        "The LMS's FEATURES['ENABLE_PREREQUISITE_COURSES']: a passing certificate fulfils the course's milestones (milestones_usermilestone), as handle_course_cert_awarded does",
      default: false,
    }),
    MILESTONES_APP: variable(bool(), {
      description:
        "The LMS's MILESTONES_APP (FEATURES['MILESTONES_APP'] in older releases), which prerequisite courses also need; unset = the value of ENABLE_PREREQUISITE_COURSES",
      docDefault: "ENABLE_PREREQUISITE_COURSES",
    }),
    WAFFLE_CACHE_MS: variable(int({ min: 0, max: 3_600_000 }), {
      description: "How long a waffle switch read from the LMS's waffle_switch table (certificates.auto_certificate_generation) is kept before it is read again, in ms",
      default: 5000,
    }),
  },
  (v): LmsFeaturesConfig => ({
    prerequisiteCourses: v.ENABLE_PREREQUISITE_COURSES && (v.MILESTONES_APP ?? v.ENABLE_PREREQUISITE_COURSES),
    waffleCacheMs: v.WAFFLE_CACHE_MS,
  }),
);
