import { PdfCertificatePurgeRecord } from "./pdf-certificate-purge-record";
import { FailedTask } from "./failed-task";

export { PdfCertificatePurgeRecord };
export { FailedTask };

/** The worker's own tables; later work appends its entities here. */
export const WORKER_ENTITIES = [PdfCertificatePurgeRecord, FailedTask];
