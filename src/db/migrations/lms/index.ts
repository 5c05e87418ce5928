import { LmsCoreSchema1700000000000 } from "./1700000000000-lms-core-schema";
import { LmsRetirementSchema1700000000300 } from "./1700000000300-lms-retirement-schema";
import { LmsCertificateGenerationSchema1700000000400 } from "./1700000000400-lms-certificate-generation-schema";
import { LmsErasureSchema1700000001000 } from "./1700000001000-lms-erasure-schema";
import { LmsPartnerReportingSchema1700000001010 } from "./1700000001010-lms-partner-reporting-schema";
import { LmsAuthGroups1700000001100 } from "./1700000001100-lms-auth-groups";
import { LmsOrganizationsSchema1700000001500 } from "./1700000001500-lms-organizations-schema";
import { LmsAccountDeactivationSchema1700000002000 } from "./1700000002000-lms-account-deactivation-schema";
import { LmsReferencedTables1700000002100 } from "./1700000002100-lms-referenced-tables";
import { LmsCertificateSignalsSchema1700000002400 } from "./1700000002400-lms-certificate-signals-schema";

/** LMS schema migrations, oldest first. Later work appends its tables here as new files. */
export const LMS_MIGRATIONS = [
  LmsCoreSchema1700000000000,
  LmsRetirementSchema1700000000300,
  LmsCertificateGenerationSchema1700000000400,
  LmsErasureSchema1700000001000,
  LmsPartnerReportingSchema1700000001010,
  LmsAuthGroups1700000001100,
  LmsOrganizationsSchema1700000001500,
  LmsAccountDeactivationSchema1700000002000,
  LmsReferencedTables1700000002100,
  LmsCertificateSignalsSchema1700000002400,
];
