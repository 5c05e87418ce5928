import type { DataSource } from "typeorm";
import type { WaffleSwitchReader } from "../../app/app-context";
import { TimedCache } from "./timed-cache";

/** lms/djangoapps/certificates/config.py AUTO_CERTIFICATE_GENERATION. */
export const AUTO_CERTIFICATE_GENERATION = "certificates.auto_certificate_generation";

/**
 * django-waffle switches as the LMS reads them (`WaffleSwitch.is_enabled` → `waffle.switch_is_active`): the
 * `active` column of the waffle_switch row with that name; a missing row is off (WAFFLE_SWITCH_DEFAULT False).
 * Each switch is cached for WAFFLE_CACHE_MS.
 */
export class WaffleSwitches implements WaffleSwitchReader {
  private readonly caches = new Map<string, TimedCache<boolean>>();

  constructor(
    private readonly ds: DataSource,
    private readonly ttlMs: number,
  ) {}

  async isActive(name: string): Promise<boolean> {
    let cache = this.caches.get(name);
    if (!cache) {
      cache = new TimedCache(this.ttlMs, async () => {
        const rows: Array<{ active: number }> = await this.ds.query(`SELECT active FROM waffle_switch WHERE name = ?`, [name]);
        return rows.length > 0 && Number(rows[0].active) === 1;
      });
      this.caches.set(name, cache);
    }
    return cache.get();
  }

  /** lms/djangoapps/certificates/api.py `auto_certificate_generation_enabled()`. */
  autoCertificateGeneration(): Promise<boolean> {
    return this.isActive(AUTO_CERTIFICATE_GENERATION);
  }
}
