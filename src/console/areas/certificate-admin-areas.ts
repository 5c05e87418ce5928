import type { ConsoleArea } from "../signed-in-area";
import { commandConfigurationArea } from "./command-configuration.area";
import { dateOverridesArea } from "./date-overrides.area";
import { failedTasksArea } from "./failed-tasks.area";

/** The certificate admin pages (issue 12): command configuration, date overrides, failed generation tasks. */
export const CERTIFICATE_ADMIN_AREAS: ConsoleArea[] = [
  { name: "command-configuration", plugin: commandConfigurationArea },
  { name: "date-overrides", plugin: dateOverridesArea },
  { name: "failed-tasks", plugin: failedTasksArea },
];
