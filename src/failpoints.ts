/**
 * Named crash points for the reliability suite (as fail-rs or FoundationDB's buggify do): with
 * `AIRTIME_FAILPOINT=<name>:<n>` the process kills itself with SIGKILL the n-th time it passes `name`;
 * `<name>:<n>:stop` suspends it with SIGSTOP instead (a laptop closed, Ctrl-Z), to be resumed by the test.
 * Unset — always in real use — it costs one comparison.
 */
const spec = process.env.AIRTIME_FAILPOINT;
const [armedName, armedCount, armedAction] = spec
  ? [spec.split(':')[0], Number(spec.split(':')[1] ?? '1'), spec.split(':')[2] === 'stop' ? 'SIGSTOP' : 'SIGKILL']
  : [undefined, 0, 'SIGKILL'];
let passes = 0;

export type FailpointName =
  | 'during-journal'
  | 'after-journal'
  | 'after-claim'
  | 'after-send'
  | 'after-record'
  | 'during-reconcile'
  // Inside a team journal's write transaction, holding its lock.
  | 'inside-write';

export function failpoint(name: FailpointName): void {
  if (armedName !== name) return;
  passes += 1;
  if (passes === armedCount || (passes > armedCount && armedAction === 'SIGKILL')) process.kill(process.pid, armedAction);
}
