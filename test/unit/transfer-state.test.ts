import { describe, expect, it } from 'vitest';
import { judgeTransition, transferStates, type TransitionCause } from '../../src/core/transfer-state.js';

const causes: TransitionCause[] = ['claim', 'answer', 'callback', 'not-sent', 'requeue', 'operator', 'cancel'];

describe('judgeTransition', () => {
  it('allows the documented path', () => {
    for (const [from, to, cause] of [
      ['queued', 'sending', 'claim'],
      ['sending', 'submitted', 'answer'],
      ['sending', 'unknown', 'answer'],
      ['submitted', 'delivered', 'callback'],
      ['unknown', 'failed', 'answer'],
      ['delivered', 'reversed', 'callback'],
    ] as const) {
      expect(judgeTransition(from, to, cause).kind).toBe('move');
    }
  });

  it('never moves a final transfer backwards, whoever says so', () => {
    for (const cause of causes) {
      for (const to of transferStates) {
        if (to === 'delivered' || to === 'reversed') continue;
        expect(judgeTransition('delivered', to, cause).kind).toBe('refused');
      }
      for (const to of transferStates.filter((state) => state !== 'failed')) expect(judgeTransition('failed', to, cause).kind).toBe('refused');
      for (const to of transferStates.filter((state) => state !== 'cancelled')) expect(judgeTransition('cancelled', to, cause).kind).toBe('refused');
    }
  });

  it('takes a reversal from any open state, never from failed', () => {
    for (const from of ['sending', 'submitted', 'unknown', 'delivered'] as const) expect(judgeTransition(from, 'reversed', 'answer').kind).toBe('move');
    expect(judgeTransition('failed', 'reversed', 'answer').kind).toBe('refused');
  });

  it('treats a repeat as the same state', () => {
    expect(judgeTransition('delivered', 'delivered', 'callback').kind).toBe('same');
  });

  it('refuses skipping the write-ahead step', () => {
    expect(judgeTransition('queued', 'submitted', 'answer').kind).toBe('refused');
  });

  it('lets only proof, a reconcile or an operator put a transfer back in the queue — never a callback or an answer', () => {
    for (const from of ['sending', 'unknown', 'submitted'] as const) {
      expect(judgeTransition(from, 'queued', 'callback').kind).toBe('refused');
      expect(judgeTransition(from, 'queued', 'answer').kind).toBe('refused');
      if (from !== 'sending') expect(judgeTransition(from, 'sending', 'callback').kind).toBe('refused');
    }
    expect(judgeTransition('sending', 'queued', 'not-sent').kind).toBe('move');
    expect(judgeTransition('unknown', 'queued', 'not-sent').kind).toBe('refused');
    expect(judgeTransition('unknown', 'queued', 'requeue').kind).toBe('move');
    expect(judgeTransition('unknown', 'queued', 'operator').kind).toBe('move');
    expect(judgeTransition('submitted', 'queued', 'operator').kind).toBe('refused');
  });

  it('lets callbacks only move forward: to submitted or a final state, never to unknown', () => {
    expect(judgeTransition('sending', 'unknown', 'callback').kind).toBe('refused');
    expect(judgeTransition('unknown', 'delivered', 'callback').kind).toBe('move');
  });
});
