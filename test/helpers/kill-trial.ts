import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import type { RunningSimServer } from '../../src/sim/server.js';
import { binPath, runCli, tempHome } from './cli.js';
import { writePayouts, writeZwPayouts } from './files.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { LipadDuplicates } from '../../src/sim/faults.js';
import { journalCount, journalRows, sandboxState } from './sandbox-state.js';
import { simEnv, startTestSim } from './sim.js';

export type TrialProvider = 'sandbox' | 'zw' | 'lipad' | 'africastalking';

export interface TrialResult {
  readonly provider: TrialProvider;
  readonly rows: number;
  readonly killedAfterMs: number;
  /** Whether the kill landed while the run was still paying (it had paid some rows but not all). */
  readonly killedMidRun: boolean;
  readonly charged: number;
  readonly chargedMinor: number;
  readonly expectedMinor: number;
  readonly finalRows: number;
  readonly rounds: number;
  /** Rows left `unknown` that no status query can settle (a callback or an operator must): the right answer, counted apart. */
  readonly unknownRows: number;
  /** Of those, how many the provider did charge (paid, but the journal cannot know it). */
  readonly unknownCharged: number;
  /** Rows whose journal state the provider contradicts (delivered but not charged, failed but charged). */
  readonly contradictions: number;
  /** Rows neither charged nor left unknown: lost. */
  readonly unpaid: number;
  readonly scenario: string;
}

/** The soak's matrix: each provider × each plausible way it treats a repeated request (npm run soak; one kill a cell in npm test). */
export const soakMatrix: readonly (readonly [TrialProvider, TrialScenario])[] = [
  ['sandbox', {}],
  ['zw', {}],
  ['lipad', { lipadDuplicates: 'dedupe' }],
  ['lipad', { lipadDuplicates: 'reject' }],
  ['lipad', { lipadDuplicates: 'accept' }],
  ['africastalking', { atKeyWindowMs: 300_000 }],
  ['africastalking', { atKeyWindowMs: 500 }],
];

/** How the simulator treats a repeated request: Lipad's three plausible behaviours, AT's key window. */
export interface TrialScenario {
  readonly lipadDuplicates?: LipadDuplicates;
  readonly atKeyWindowMs?: number;
}

export function scenarioName(provider: TrialProvider, scenario: TrialScenario): string {
  if (provider === 'lipad') return `lipad/${scenario.lipadDuplicates ?? 'dedupe'}`;
  if (provider === 'africastalking') return `africastalking/window-${scenario.atKeyWindowMs ?? 300_000}ms`;
  return provider;
}

/** The journal's rows with their phones. */
function journalPhones(home: string): { phone: string; status: string }[] {
  const db = new Database(join(home, 'journal.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT phone, status FROM transfers ORDER BY line').all() as { phone: string; status: string }[];
  } finally {
    db.close();
  }
}

/**
 * Per provider: a file big enough to take a second or so to pay, and how long a whole run and its paying
 * part take, roughly (the ranges the kill moment is drawn from).
 */
const shapes: Record<TrialProvider, { rows: number; latencyMs: number; visibleAfterMs: number; concurrency: number; runMs: number; payMs: number }> = {
  sandbox: { rows: 800, latencyMs: 40, visibleAfterMs: 0, concurrency: 1, runMs: 1500, payMs: 300 },
  zw: { rows: 400, latencyMs: 5, visibleAfterMs: 150, concurrency: 4, runMs: 1800, payMs: 500 },
  lipad: { rows: 2500, latencyMs: 150, visibleAfterMs: 300, concurrency: 1, runMs: 1800, payMs: 450 },
  africastalking: { rows: 1000, latencyMs: 50, visibleAfterMs: 100, concurrency: 1, runMs: 1800, payMs: 500 },
};

/** When the kill lands: anywhere from start-up to the end, or somewhere while the provider is being paid. */
export type KillMoment = 'anytime' | 'while-paying';

/** Charges as the provider sees them: distinct transfers and money out, per simulator (or the sandbox's own state). */
function charges(provider: TrialProvider, home: string, sim: RunningSimServer | undefined): { count: number; minor: number } {
  if (provider === 'sandbox') {
    const state = sandboxState(home);
    return { count: state.transfers, minor: state.deliveredMinor('KES') };
  }
  const gateway = provider === 'zw' ? sim?.zw.gateway : provider === 'lipad' ? sim?.lipad.gateway : sim?.at.gateway;
  if (!gateway) return { count: 0, minor: 0 };
  const currency = provider === 'zw' ? 'USD' : 'KES';
  const balance = gateway.balances().find((entry) => entry.currency === currency)?.minor ?? 0;
  return { count: gateway.sendCounts().size, minor: 1_000_000 * 100 - balance };
}

/**
 * One trial: pay a file, SIGKILL the run at a random moment, then do what an operator does — resume until
 * every row is final — and count, at the provider, what was charged. Exactly once means: one charge per
 * row, the file's total, and every row final.
 */
export async function killTrial(
  provider: TrialProvider,
  moment: KillMoment,
  random: () => number = Math.random,
  scenario: TrialScenario = {},
): Promise<TrialResult> {
  const shape = shapes[provider];
  const home = tempHome();
  const sim =
    provider === 'sandbox'
      ? undefined
      : await startTestSim({ settleMs: 50, faults: { latencyMs: shape.latencyMs, visibleAfterMs: shape.visibleAfterMs, ...scenario } });
  try {
    const env: Record<string, string> = {
      ...(sim ? simEnv(sim.url) : {}),
      AIRTIME_SANDBOX_LATENCY_MS: String(shape.latencyMs),
      AIRTIME_SANDBOX_SETTLE_MS: '30',
      AIRTIME_RESEND_SETTLE_MS: '200',
      AIRTIME_LEASE_TTL_MS: '2000',
    };
    const file = provider === 'zw' ? writeZwPayouts(home.home, shape.rows) : writePayouts(home.home, shape.rows);
    const providerArgs = provider === 'sandbox' ? [] : ['--provider', provider];
    const child = spawn(process.execPath, [binPath, 'bulk', file.path, ...providerArgs, '--yes', '--concurrency', String(shape.concurrency)], {
      env: { ...process.env, ...env, AIRTIME_HOME: home.home },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const started = Date.now();
    if (moment === 'while-paying') {
      // Wait for the first charge at the provider, then a random part of the time paying takes.
      const deadline = Date.now() + 20_000;
      while (charges(provider, home.home, sim).count === 0 && child.exitCode === null && Date.now() < deadline) await delay(5);
      await Promise.race([delay(Math.floor(random() * shape.payMs)), exited]);
    } else {
      await Promise.race([delay(Math.floor(random() * shape.runMs)), exited]);
    }
    const killAfterMs = Date.now() - started;
    const paidAtKill = charges(provider, home.home, sim).count;
    child.kill('SIGKILL');
    await exited;
    const killedMidRun = paidAtKill > 0 && paidAtKill < shape.rows;
    let rounds = 0;
    let previous = '';
    for (; rounds < 30; rounds += 1) {
      // The same command again: it completes, resumes or just waits, whatever the kill left.
      await runCli(home.home, ['bulk', file.path, ...providerArgs, '--yes', '--wait', '--timeout', '10'], { env, timeoutMs: 90_000 });
      if (journalRows(home.home).length === shape.rows && journalCount(home.home, ['queued', 'sending', 'unknown', 'submitted']) === 0) break;
      // Rows that stay unknown round after round need a callback or an operator: no rerun can settle them.
      const open = journalRows(home.home).filter((row) => ['queued', 'sending', 'unknown', 'submitted'].includes(row.status));
      const signature = open.map((row) => `${row.reference}:${row.status}`).join(',');
      if (journalRows(home.home).length === shape.rows && open.every((row) => row.status === 'unknown') && signature === previous) break;
      previous = signature;
      await delay(250);
    }
    const final = journalRows(home.home).filter((row) => row.status === 'delivered').length;
    const charged = charges(provider, home.home, sim);
    // Per row, by phone (each row of a trial file pays its own phone): what the provider holds against the journal.
    const gateway = provider === 'zw' ? sim?.zw.gateway : provider === 'lipad' ? sim?.lipad.gateway : sim?.at.gateway;
    const byPhone = new Map<string, number>();
    for (const key of gateway?.sendCounts().keys() ?? []) {
      const phone = gateway?.byKey(key)?.phone ?? '?';
      byPhone.set(phone, (byPhone.get(phone) ?? 0) + 1);
    }
    let unknownRows = 0;
    let unknownCharged = 0;
    let contradictions = 0;
    let unpaid = 0;
    for (const row of gateway ? journalPhones(home.home) : []) {
      const taken = byPhone.get(row.phone) ?? 0;
      if (row.status === 'unknown') {
        unknownRows += 1;
        if (taken > 0) unknownCharged += 1;
      } else if ((row.status === 'delivered' && taken === 0) || (row.status === 'failed' && taken > 0)) contradictions += 1;
      else if (taken === 0) unpaid += 1;
    }
    return {
      provider,
      scenario: scenarioName(provider, scenario),
      rows: shape.rows,
      killedAfterMs: killAfterMs,
      killedMidRun,
      charged: charged.count,
      chargedMinor: charged.minor,
      expectedMinor: file.totalMinor,
      finalRows: final,
      rounds,
      unknownRows,
      unknownCharged,
      contradictions,
      unpaid,
    };
  } finally {
    await sim?.close();
    home.cleanup();
  }
}
