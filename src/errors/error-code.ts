/**
 * A stable code for an error, for logs and metrics: its own `code` when it has one (this service's typed errors,
 * Node's ECONNREFUSED, mysql2's ER_*), otherwise its class name in upper snake case (TransientJobError →
 * TRANSIENT_JOB_ERROR). Never derived from the message, which may change or carry details.
 */
export function errorCode(err: Error): string {
  const own = (err as { code?: unknown }).code;
  if (typeof own === "string" && own !== "") return own;
  if (typeof own === "number") return String(own);
  return (err.name || "Error").replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}
