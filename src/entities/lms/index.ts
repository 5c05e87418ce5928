import { AuthUser } from "./auth-user";
import { CertificateGenerationCommandConfiguration, PurgeReferencesToPdfCertificatesCommandConfiguration } from "./command-configuration";
import { GeneratedCertificate } from "./generated-certificate";
import { CertificateDateOverride } from "./certificate-date-override";
import { CourseAccessRole } from "./course-access-role";
import { UserProfile } from "./user-profile";

export { AuthUser, UserProfile, GeneratedCertificate, PurgeReferencesToPdfCertificatesCommandConfiguration, CertificateGenerationCommandConfiguration };
export { CertificateDateOverride, CourseAccessRole };

/** Every LMS table mapped by the workers; later work appends its entities here. */
export const LMS_ENTITIES = [
  AuthUser,
  UserProfile,
  GeneratedCertificate,
  PurgeReferencesToPdfCertificatesCommandConfiguration,
  CertificateGenerationCommandConfiguration,
  CertificateDateOverride,
  CourseAccessRole,
];
