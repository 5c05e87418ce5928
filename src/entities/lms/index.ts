import { AuthUser } from "./auth-user";
import { CertificateGenerationCommandConfiguration, PurgeReferencesToPdfCertificatesCommandConfiguration } from "./command-configuration";
import { GeneratedCertificate } from "./generated-certificate";
import { UserProfile } from "./user-profile";

export { AuthUser, UserProfile, GeneratedCertificate, PurgeReferencesToPdfCertificatesCommandConfiguration, CertificateGenerationCommandConfiguration };

/** Every LMS table mapped by the workers; later work appends its entities here. */
export const LMS_ENTITIES = [
  AuthUser,
  UserProfile,
  GeneratedCertificate,
  PurgeReferencesToPdfCertificatesCommandConfiguration,
  CertificateGenerationCommandConfiguration,
];
