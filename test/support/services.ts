/**
 * Where the real services are. Defaults match scripts/services.sh; CI and developers can point elsewhere
 * with the same variables the service itself reads.
 */
export const services = {
  /** A MySQL/MariaDB account allowed to create and drop databases. Read on use, so a suite may point elsewhere. */
  get mysqlAdminUrl(): string {
    return process.env.TEST_MYSQL_ADMIN_URL ?? "mysql://root@127.0.0.1:3306/mysql";
  },
  get redisUrl(): string {
    return process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
  },
  s3Endpoint: process.env.TEST_S3_ENDPOINT ?? process.env.S3_ENDPOINT ?? "http://127.0.0.1:7480",
  s3AccessKey: process.env.AWS_ACCESS_KEY_ID ?? "openedx-workers",
  s3SecretKey: process.env.AWS_SECRET_ACCESS_KEY ?? "openedx-workers-secret",
};

export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
