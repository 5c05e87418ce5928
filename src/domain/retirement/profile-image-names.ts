import { createHash } from "node:crypto";

/** upstream image_helpers: every processed profile image is a JPEG. */
const PROFILE_IMAGE_FILE_EXTENSION = "jpg";

/**
 * upstream `get_profile_image_names(username)`: `{md5(PROFILE_IMAGE_HASH_SEED + username)}_{size}.jpg` for each size
 * of PROFILE_IMAGE_SIZES_MAP. The username is used as is (not lowercased), as upstream does.
 */
export function profileImageNames(username: string, hashSeed: string, sizes: readonly number[]): string[] {
  const name = createHash("md5").update(Buffer.from(hashSeed + username, "utf8")).digest("hex");
  return sizes.map((size) => `${name}_${size}.${PROFILE_IMAGE_FILE_EXTENSION}`);
}
