/** `ai-gateway restore`: the work lives in ../shared/restore-gateway.ts, which `upgrade` reuses too. */
export * from '../shared/restore-gateway.js';
