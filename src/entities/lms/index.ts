import { AuthUser } from "./auth-user";
import { CertificateGenerationCommandConfiguration, PurgeReferencesToPdfCertificatesCommandConfiguration } from "./command-configuration";
import { GeneratedCertificate } from "./generated-certificate";
import { CertificateDateOverride } from "./certificate-date-override";
import { CourseAccessRole } from "./course-access-role";
import { UserProfile } from "./user-profile";
import { RetirementState } from "./retirement-state";
import { UserRetirementRequest } from "./user-retirement-request";
import { UserRetirementStatus } from "./user-retirement-status";

export { AuthUser, GeneratedCertificate, PurgeReferencesToPdfCertificatesCommandConfiguration, CertificateGenerationCommandConfiguration };
export { RetirementState, UserRetirementRequest, UserRetirementStatus };

/** Every LMS table mapped by the workers; later work appends its entities here. */
export const LMS_ENTITIES = [
  AuthUser,
  UserProfile,
  GeneratedCertificate,
  PurgeReferencesToPdfCertificatesCommandConfiguration,
  CertificateGenerationCommandConfiguration,
  CertificateDateOverride,
  CourseAccessRole,
  RetirementState,
  UserRetirementRequest,
  UserRetirementStatus,
];
