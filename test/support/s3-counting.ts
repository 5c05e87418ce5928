import type { S3Client } from "@aws-sdk/client-s3";

/**
 * Counts, per key, how often a client asked S3 to delete it. The requests still go to the real server;
 * this only observes them (a middleware), so tests can assert "each object deleted once".
 */
export function countDeletes(s3: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "DeleteObjectsCommand") {
        const input = args.input as { Delete?: { Objects?: Array<{ Key?: string }> } };
        for (const o of input.Delete?.Objects ?? []) counts.set(o.Key!, (counts.get(o.Key!) ?? 0) + 1);
      }
      return next(args);
    },
    { step: "initialize", name: "countDeletes" },
  );
  return counts;
}
