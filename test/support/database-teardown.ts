import { dropPooledDatabases } from "./test-database";

/** Mocha global teardown: the recycled test databases of this process are dropped at the end of the run. */
export async function mochaGlobalTeardown(): Promise<void> {
  await dropPooledDatabases();
}
