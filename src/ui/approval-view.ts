import type { ApprovalState } from '../transfers/approvals.js';
import type { IO } from './io.js';

/** A batch's approvals as JSON. */
export function approvalJson(state: ApprovalState) {
  return {
    batch: state.batchId,
    required: state.required,
    approvedBy: state.approvers,
    plannedBy: state.planner,
    planHash: state.planHash,
    satisfied: state.satisfied,
    rejected: state.rejected,
    reason: state.reason || null,
  };
}

/** What a run held back for approval says: why, how many approvals it has, and what the other operator types. */
export function reportAwaitingApproval(io: IO, state: ApprovalState, extra: Record<string, unknown> = {}): void {
  if (io.json) {
    io.printJson({ state: 'awaiting-approval', ...extra, approval: approvalJson(state) });
    return;
  }
  const have = state.approvers.length;
  io.err(
    `batch ${state.batchId} needs ${state.required} approval${state.required === 1 ? '' : 's'} by operators other than its planner ${state.planner}` +
      `${state.reason ? ` (${state.reason})` : ''}; ${have ? `approved so far by ${state.approvers.join(', ')}` : 'none yet'}. Nothing was sent.`,
  );
  io.err(`awaiting approval: ask another operator to run 'airtime approve ${state.batchId}'`);
}
