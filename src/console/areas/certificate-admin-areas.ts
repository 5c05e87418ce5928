import type { ConsoleArea } from "../signed-in-area";
import { COMMANDS_PATH, commandConfigurationArea } from "./command-configuration.area";
import { DATE_OVERRIDES_PATH, dateOverridesArea } from "./date-overrides.area";
import { FAILED_TASKS_PATH, failedTasksArea } from "./failed-tasks.area";

/** The certificate admin pages (issue 12): command configuration, date overrides, failed generation tasks. */
export const CERTIFICATE_ADMIN_AREAS: ConsoleArea[] = [
  { name: "command-configuration", nav: { href: `${COMMANDS_PATH}/generation`, label: "Command configuration" }, plugin: commandConfigurationArea },
  { name: "date-overrides", nav: { href: DATE_OVERRIDES_PATH, label: "Date overrides" }, plugin: dateOverridesArea },
  { name: "failed-tasks", nav: { href: FAILED_TASKS_PATH, label: "Failed tasks" }, plugin: failedTasksArea },
];
