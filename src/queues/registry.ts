/**
 * The one registry of queues, job names and payloads. Payloads carry ids only: Redis is not a place a learner's
 * username, email or name may ever reach, and job data is stored there in clear text.
 */
export enum QueueName {
  CertificatePurge = "certificate-purge",
}

export enum JobName {
  PurgePdfCertificate = "purge-pdf-certificate",
}

export interface JobPayloads {
  [JobName.PurgePdfCertificate]: { certificateId: number };
}

export const JOB_QUEUE: { [J in JobName]: QueueName } = {
  [JobName.PurgePdfCertificate]: QueueName.CertificatePurge,
};

/**
 * Deterministic job ids make enqueueing idempotent: BullMQ ignores an add whose id already exists (until the
 * finished job is removed by retention). BullMQ ids may not contain ':' nor be bare integers.
 */
export const jobIds = {
  purgePdfCertificate: (certificateId: number) => `purge-pdf-certificate.${certificateId}`,
};

export const ALL_QUEUES: QueueName[] = Object.values(QueueName);

export function parseQueueNames(list: string): QueueName[] {
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !ALL_QUEUES.includes(n as QueueName));
  if (unknown.length > 0) {
    throw new Error(`unknown queue${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known: ${ALL_QUEUES.join(", ")}`);
  }
  return names as QueueName[];
}
