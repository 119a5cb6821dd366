import { describe, expect, it } from 'vitest';
import { listenForInterrupts } from './interrupt.js';

describe('listenForInterrupts', () => {
  it('turns SIGINT into an aborted signal while listening, and lets go on dispose', () => {
    const before = process.listenerCount('SIGINT');
    const interrupts = listenForInterrupts();
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    expect(interrupts.signal.aborted).toBe(false);
    process.emit('SIGINT');
    expect(interrupts.signal.aborted).toBe(true);
    interrupts.dispose();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('SIGTERM too', () => {
    const interrupts = listenForInterrupts();
    process.emit('SIGTERM');
    expect(interrupts.signal.aborted).toBe(true);
    interrupts.dispose();
  });
});
