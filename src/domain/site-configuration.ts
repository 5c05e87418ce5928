/** An enabled site_configuration_siteconfiguration row's values (its `site_values` JSON). */
export type SiteValues = Record<string, unknown>;

/**
 * openedx/core/djangoapps/site_configuration `helpers.get_value_for_org(org, name, default)`: the first enabled site
 * configuration whose `course_org_filter` (one org, or a list of them) names the org gives the value, or the
 * default when it lacks the key; without such a configuration, the default. `sites` are the enabled configurations
 * in id order. Returns undefined for "the default".
 */
export function siteValueForOrg(sites: readonly SiteValues[], org: string, name: string): unknown {
  for (const values of sites) {
    const filter = values.course_org_filter ?? [];
    const orgs = Array.isArray(filter) ? filter : [filter];
    if (orgs.includes(org)) return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
  }
  return undefined;
}
