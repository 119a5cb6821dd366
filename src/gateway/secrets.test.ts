import { describe, expect, it } from 'vitest';
import { seededRandom } from '../testing/context.js';
import { SECRET_SPECS, validateAccountName } from './secrets.js';
import { MASTER_KEY_PATTERN } from './settings.js';

const spec = (key: string) => SECRET_SPECS.find((s) => s.envKey === key) as (typeof SECRET_SPECS)[number];

describe('generated secrets', () => {
  it('have the documented form and pass their own rules', () => {
    const random = seededRandom(11);
    const master = spec('LITELLM_MASTER_KEY').generate(random);
    expect(master).toMatch(/^sk-[A-Za-z0-9_-]{43}$/);
    expect(MASTER_KEY_PATTERN.test(master)).toBe(true);
    expect(spec('LITELLM_SALT_KEY').generate(random)).toMatch(/^sk-[A-Za-z0-9_-]{43}$/);
    expect(spec('POSTGRES_PASSWORD').generate(random)).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(spec('UI_PASSWORD').generate(random)).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(spec('WEBUI_SECRET_KEY').generate(random)).toMatch(/^[A-Za-z0-9]{48}$/);
    for (const s of SECRET_SPECS) expect(s.validate(s.generate(random)), s.envKey).toBe(true);
  });

  it('differ between draws (a CSPRNG-shaped source, never a constant)', () => {
    const random = seededRandom(12);
    const keys = new Set(Array.from({ length: 20 }, () => spec('LITELLM_MASTER_KEY').generate(random)));
    expect(keys.size).toBe(20);
  });
});

describe('rules for supplied secrets', () => {
  it('name the variable and the rule', () => {
    expect(spec('LITELLM_MASTER_KEY').validate('sk-1234')).toMatch(/publicly known example key/);
    expect(spec('LITELLM_MASTER_KEY').validate('sk-short')).toMatch(/"sk-" followed by at least 20/);
    expect(spec('LITELLM_MASTER_KEY').validate('pk-01234567890123456789012')).toMatch(/must be "sk-"/);
    expect(spec('POSTGRES_PASSWORD').validate('1234567')).toMatch(/at least 8 characters long \(got 7\)/);
    expect(spec('POSTGRES_PASSWORD').validate('pass/word%1')).toMatch(/DATABASE_URL/);
    expect(spec('UI_PASSWORD').validate('has space 123')).toMatch(/no spaces/);
    expect(spec('UI_PASSWORD').validate('dollar$sign1')).toMatch(/"\$"/);
    expect(spec('UI_PASSWORD').validate('Str0ng!Pass')).toBe(true);
    expect(spec('WEBUI_SECRET_KEY').validate('x'.repeat(15))).toMatch(/at least 16/);
    expect(validateAccountName('UI_USERNAME', 'admin')).toBe(true);
    expect(validateAccountName('POSTGRES_USER', 'bad user')).toMatch(/may only contain/);
  });
});
