/**
 * Ctrl-C (SIGINT) and SIGTERM as an AbortSignal, for work that must stop cleanly instead of dying
 * mid-way (an image pull: its child is killed and the command exits 130 through CancelledError).
 * While listening, Node's default (exit at once) is off; `dispose()` gives it back.
 */
export interface Interrupts {
  signal: AbortSignal;
  dispose(): void;
}

export function listenForInterrupts(): Interrupts {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
