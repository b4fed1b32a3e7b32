/**
 * Named crash points for the reliability suite (as fail-rs or FoundationDB's buggify do): with
 * `AIRTIME_FAILPOINT=<name>:<n>` the process kills itself with SIGKILL the n-th time it passes `name`.
 * Unset — always in real use — it costs one comparison.
 */
const spec = process.env.AIRTIME_FAILPOINT;
const [armedName, armedCount] = spec ? [spec.split(':')[0], Number(spec.split(':')[1] ?? '1')] : [undefined, 0];
let passes = 0;

export type FailpointName = 'during-journal' | 'after-journal' | 'after-claim' | 'after-send' | 'after-record' | 'during-reconcile';

export function failpoint(name: FailpointName): void {
  if (armedName !== name) return;
  passes += 1;
  if (passes >= armedCount) process.kill(process.pid, 'SIGKILL');
}
