/** `ai-gateway backup`: the work lives in ../shared/backup-gateway.ts, which `upgrade` reuses too. */
export * from '../shared/backup-gateway.js';
