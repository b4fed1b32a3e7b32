import { describe, expect, it } from 'vitest';
import { judgeTransition, transferStates } from '../../src/core/transfer-state.js';

describe('judgeTransition', () => {
  it('allows the documented path', () => {
    for (const [from, to] of [
      ['queued', 'sending'],
      ['sending', 'submitted'],
      ['sending', 'unknown'],
      ['submitted', 'delivered'],
      ['unknown', 'failed'],
      ['delivered', 'reversed'],
    ] as const) {
      expect(judgeTransition(from, to).kind).toBe('move');
    }
  });

  it('never moves a final transfer backwards', () => {
    for (const to of transferStates) {
      if (to === 'delivered' || to === 'reversed') continue;
      expect(judgeTransition('delivered', to).kind).toBe('refused');
    }
    for (const to of transferStates.filter((state) => state !== 'failed')) {
      expect(judgeTransition('failed', to).kind).toBe('refused');
    }
  });

  it('takes a reversal from any open state, never from failed', () => {
    for (const from of ['sending', 'submitted', 'unknown', 'delivered'] as const) expect(judgeTransition(from, 'reversed').kind).toBe('move');
    expect(judgeTransition('failed', 'reversed').kind).toBe('refused');
  });

  it('treats a repeat as the same state', () => {
    expect(judgeTransition('delivered', 'delivered').kind).toBe('same');
  });

  it('refuses skipping the write-ahead step', () => {
    expect(judgeTransition('queued', 'submitted').kind).toBe('refused');
  });
});
