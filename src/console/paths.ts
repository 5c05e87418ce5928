/**
 * Every path of the console, defined once. Routes register these (a path function given ":userId" yields the route
 * pattern), templates get them as `it.paths` (@fastify/view's default context), and redirects build on them, so a
 * page moves by changing one line here.
 */
type Id = number | string;

export const paths = {
  home: "/",
  login: "/login",
  logout: "/logout",
  favicon: "/favicon.ico",
  readyz: "/readyz",
  metrics: "/metrics",
  assets: "/assets/",
  queues: {
    index: "/queues",
    /** bull-board's own page of a queue, and of one job (its UI routes: /queue/:name and /queue/:name/:jobId). */
    queue: (queue: string) => `/queues/queue/${encodeURIComponent(queue)}`,
    job: (queue: string, jobId: string) => `/queues/queue/${encodeURIComponent(queue)}/${encodeURIComponent(jobId)}`,
  },
  retirement: {
    index: "/retirement",
    learners: "/retirement/learners",
    learner: (userId: Id) => `/retirement/learners/${userId}`,
    setState: (userId: Id) => `/retirement/learners/${userId}/state`,
    rewind: (userId: Id) => `/retirement/learners/${userId}/rewind`,
    cancel: (userId: Id) => `/retirement/learners/${userId}/cancel`,
    /** POST only: the typed username or email travels in the body, never in a URL. */
    lookup: "/retirement/lookup",
    states: "/retirement/states",
    populate: "/retirement/states/populate",
  },
  commands: {
    index: "/commands",
    configuration: (kind: string) => `/commands/${kind}`,
    run: (kind: string) => `/commands/${kind}/run`,
  },
  dateOverrides: {
    /** The list of existing overrides. */
    index: "/certificates/date-overrides",
    /** Finding a certificate to set one on. */
    find: "/certificates/date-override",
    certificate: (certificateId: Id) => `/certificates/${certificateId}/date-override`,
    clear: (certificateId: Id) => `/certificates/${certificateId}/date-override/clear`,
  },
  /** The record of admins' actions in the queue dashboard. */
  queueActions: "/queue-actions",
  failedTasks: {
    index: "/generation/failed-tasks",
    reapplyAll: "/generation/failed-tasks/reapply",
    reapply: (id: Id) => `/generation/failed-tasks/${id}/reapply`,
  },
} as const;

export type ConsolePaths = typeof paths;

/** The console's navigation bar, in order: every area an operator can reach from any page (`adminOnly`: admins' only). */
export const NAVIGATION: ReadonlyArray<{ href: string; label: string; adminOnly?: boolean }> = [
  { href: paths.home, label: "Home" },
  { href: paths.queues.index, label: "Queues" },
  { href: paths.queueActions, label: "Queue actions", adminOnly: true },
  { href: paths.retirement.index, label: "Retirement" },
  { href: paths.commands.configuration("generation"), label: "Command configuration" },
  { href: paths.dateOverrides.index, label: "Date overrides" },
  { href: paths.failedTasks.index, label: "Failed tasks" },
];

/** The navigation entry a path belongs to (longest matching prefix; `/commands/purge` is under "Command configuration"). */
export function currentSection(path: string): string | undefined {
  const bare = path.split("?")[0];
  const sections: Array<[string, string]> = [
    [paths.queues.index, "Queues"],
    [paths.retirement.index, "Retirement"],
    [paths.commands.index, "Command configuration"],
    ["/certificates/", "Date overrides"],
    [paths.failedTasks.index, "Failed tasks"],
    [paths.queueActions, "Queue actions"],
  ];
  if (bare === paths.home) return "Home";
  return sections.find(([prefix]) => bare === prefix || bare.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`))?.[1];
}
