import { describe, expect, it } from 'vitest';
import { oomAdvice, oomDescription } from './limits.js';

const cmd = (args: string) => `ai-gateway ${args}`;

describe('OOM advice', () => {
  it('names the next profile that raises LiteLLM limit, counting the CPUs that cap its workers', () => {
    expect(oomAdvice('litellm', { resourceProfile: 'small', limits: true }, cmd, 8)).toBe(
      'Give it more memory: "ai-gateway setup --profile medium" (LiteLLM\'s limit 1216 MB -> 1920 MB), or lift the limits with "ai-gateway setup --no-limits", then "ai-gateway start".',
    );
    // on 2 CPUs desktop and large run 2 workers like medium: no profile gives more, only --no-limits
    expect(oomAdvice('litellm', { resourceProfile: 'medium', limits: true }, cmd, 2)).toBe('Lift the memory limits with "ai-gateway setup --no-limits", then "ai-gateway start".');
    expect(oomAdvice('postgres', { resourceProfile: 'large', limits: true }, cmd, 8)).toContain('(every profile gives postgres the same limit)');
  });

  it('without limits, the host ran out: a smaller profile or more memory for Docker', () => {
    expect(oomAdvice('litellm', { resourceProfile: 'large', limits: false }, cmd, 8)).toMatch(/set no limit on it.*"ai-gateway setup --profile small"/);
    expect(oomDescription('litellm', null)).toBe('litellm was OOM-killed (the host ran out of memory; it had no limit)');
  });
});
