import { LmsCoreSchema1700000000000 } from "./1700000000000-lms-core-schema";

/** LMS schema migrations, oldest first. Later work appends its tables here as new files. */
export const LMS_MIGRATIONS = [LmsCoreSchema1700000000000];
