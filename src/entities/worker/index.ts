import { PdfCertificatePurgeRecord } from "./pdf-certificate-purge-record";

export { PdfCertificatePurgeRecord };

/** The worker's own tables; later work appends its entities here. */
export const WORKER_ENTITIES = [PdfCertificatePurgeRecord];
