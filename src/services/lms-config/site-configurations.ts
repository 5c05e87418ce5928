import type { DataSource } from "typeorm";
import { siteValueForOrg, type SiteValues } from "../../domain/site-configuration";
import { TimedCache } from "./timed-cache";

/**
 * The LMS's enabled site configurations (site_configuration_siteconfiguration, `site_values` JSON), for
 * `helpers.get_value_for_org`. Read at most once per cache period; a row whose JSON does not parse counts as
 * having no values (upstream logs "Invalid JSON data" and uses the default).
 */
export class SiteConfigurations {
  private readonly sites: TimedCache<SiteValues[]>;

  constructor(ds: DataSource, ttlMs: number) {
    this.sites = new TimedCache(ttlMs, async () => {
      const rows: Array<{ site_values: string }> = await ds.query(`SELECT site_values FROM site_configuration_siteconfiguration WHERE enabled = 1 ORDER BY id`);
      return rows.map((r) => parseValues(r.site_values));
    });
  }

  /** The org's value, or undefined for "the default" (no configuration for the org, or no such key in it). */
  async valueForOrg(org: string, name: string): Promise<unknown> {
    return siteValueForOrg(await this.sites.get(), org, name);
  }
}

function parseValues(text: string): SiteValues {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as SiteValues) : {};
  } catch {
    return {};
  }
}
