/**
 * The composition root's half of the context: core builds the context (src/core/context.ts) and
 * this file plugs in the drivers of the layers above it (Docker, systemd, the stack-state probe), so src/core/ imports nothing
 * from them. Imported when a command runs: `--help` and usage errors never need it.
 */
import type { ContextFactory } from './core/command.js';

export const createRealContext: ContextFactory = async (globals, io) => {
  const [{ createContext }, { createDockerClient }, { createSystemdHost }] = await Promise.all([
    import('./core/context.js'),
    import('./docker/client.js'),
    import('./host/systemd.js'),
  ]);
  return createContext(globals, io, {
    docker: createDockerClient,
    systemd: createSystemdHost,
    // Loaded only when a request to the gateway failed (src/docker/stack-state.ts says why).
    stackState: async (ctx, target) => (await import('./docker/stack-state.js')).assertStackRunning(ctx, target),
  });
};
