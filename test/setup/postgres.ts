import type { TestProject } from 'vitest/node';
import { startPostgres } from '../helpers/pg-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the throwaway PostgreSQL server the journal tests run against. */
    pgAdminUrl: string;
  }
}

/**
 * One throwaway PostgreSQL server for the whole run (each test makes its own database in it), stopped at
 * the end. `AIRTIME_TEST_PG_URL` (a superuser URL) uses a server of your own instead.
 */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.AIRTIME_TEST_PG_URL?.trim();
  if (given) {
    project.provide('pgAdminUrl', given);
    return undefined;
  }
  const server = await startPostgres();
  project.provide('pgAdminUrl', server.adminUrl);
  return () => server.stop();
}
