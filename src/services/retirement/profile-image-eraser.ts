import type { S3Client } from "@aws-sdk/client-s3";
import type { ErasureConfig } from "../../config";
import { profileImageNames } from "../../domain/retirement/profile-image-names";
import type { Logger } from "../../logging/logger";
import { deleteExactKeys } from "../../storage/s3";

/**
 * Deletes a learner's profile image files, as upstream `delete_users_profile_images` does, before the step clears
 * `profile_image_uploaded_at` (files first, then the database, like the PDF purge: the row is the only hint that
 * files exist). The names derive from the ORIGINAL username (the status row's), so a re-run after the user row was
 * renamed still finds them; deleting a missing file is a success.
 */
export class ProfileImageEraser {
  private warned = false;

  constructor(
    private readonly s3: S3Client,
    private readonly config: ErasureConfig["profileImages"],
    private readonly logger: Logger,
  ) {}

  /** The object keys of a learner's profile images. */
  keysFor(originalUsername: string): string[] {
    return profileImageNames(originalUsername, this.config.hashSeed, this.config.sizes).map((n) => this.config.keyPrefix + n);
  }

  /** Deletes the files; returns how many keys were deleted (or 0 when no bucket is configured). */
  async erase(learner: { userId: number; originalUsername: string }, jobId: string): Promise<number> {
    if (!this.config.bucket) {
      if (!this.warned) this.logger.warn("PROFILE_IMAGE_BUCKET is unset: retirement does not delete profile image files", { jobId });
      this.warned = true;
      return 0;
    }
    const keys = this.keysFor(learner.originalUsername);
    await deleteExactKeys(this.s3, this.config.bucket, keys);
    this.logger.info("profile image files deleted", { userId: learner.userId, jobId, files: keys.length });
    return keys.length;
  }
}
