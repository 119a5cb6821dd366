import { describe, expect, it } from 'vitest';
import { issueLine, toAppError } from './handle-error.js';
import { ExitCode } from './errors.js';

const errno = (code: string, path: string) => Object.assign(new Error(`${code}: failed, open '${path}'`), { code, path });

describe('toAppError', () => {
  it('names flags, not the fields they are parsed into', () => {
    expect(issueLine({ path: ['maxBudget'], message: 'must be 0 or more' })).toBe('--max-budget: must be 0 or more');
    expect(issueLine({ path: ['rpm'], message: 'must be a whole number' })).toBe('--rpm: must be a whole number');
    expect(issueLine({ path: ['timeout'], message: '--timeout must be more than 0' })).toBe('--timeout must be more than 0');
    expect(issueLine({ path: ['args', 0], message: 'required' })).toBe('argument 1: required');
    const error = Object.assign(new Error('bad'), { name: '$ZodError', issues: [{ path: ['budgetDuration'], message: 'must be a number followed by s, m, h or d' }] });
    expect(toAppError(error)).toMatchObject({ code: 'INVALID_OPTIONS', exitCode: ExitCode.usage, message: expect.stringContaining('--budget-duration: must be') });
    expect(toAppError(error).message).not.toContain('budgetDuration');
  });

  it('gives a full disk and a path of the wrong type documented codes, never "a bug"', () => {
    expect(toAppError(errno('ENOSPC', '/gw/.ai-gateway.lock'))).toMatchObject({ code: 'DISK_FULL', exitCode: ExitCode.environment, message: expect.stringContaining('/gw/.ai-gateway.lock') });
    expect(toAppError(errno('EDQUOT', '/gw/.env'))).toMatchObject({ code: 'DISK_FULL', exitCode: ExitCode.environment });
    expect(toAppError(errno('EISDIR', '/gw/.env'))).toMatchObject({ code: 'WRONG_FILE_TYPE', exitCode: ExitCode.usage, message: expect.stringContaining('a directory where a file was expected') });
    expect(toAppError(errno('ENOTDIR', '/gw/nginx/nginx.conf'))).toMatchObject({ code: 'WRONG_FILE_TYPE', exitCode: ExitCode.usage });
    expect(toAppError(errno('EEXIST', '/gw/.env.1.ab.ai-gateway-tmp'))).toMatchObject({ code: 'PATH_TAKEN', exitCode: ExitCode.environment });
    expect(toAppError(new Error('boom'))).toMatchObject({ code: 'INTERNAL', exitCode: ExitCode.internal });
  });
});
