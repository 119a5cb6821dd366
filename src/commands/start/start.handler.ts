/** `ai-gateway start`: the work lives in ../shared/start-stack.ts, which `upgrade` reuses too. */
export * from '../shared/start-stack.js';
