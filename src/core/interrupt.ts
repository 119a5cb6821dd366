/**
 * Ctrl-C (SIGINT) and SIGTERM as an AbortSignal, for work that must stop cleanly instead of dying
 * mid-way (an image pull: its child is killed and the command exits 130 through CancelledError; a
 * backup: Open WebUI is unpaused before the command ends). While listening, Node's default (exit at
 * once) is off; `dispose()` gives it back. A reader of our output that goes away (a closed pipe)
 * stops such work the same way (interruptRunningWork, called by src/cli.ts).
 */
export interface Interrupts {
  signal: AbortSignal;
  dispose(): void;
}

/** The work listening right now (usually none, or one). */
const listening = new Set<AbortController>();

export function listenForInterrupts(): Interrupts {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  listening.add(controller);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      listening.delete(controller);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Stops the work listening for interrupts, as Ctrl-C would; false when nothing listens (the caller may then exit at once). */
export function interruptRunningWork(): boolean {
  if (listening.size === 0) return false;
  for (const controller of listening) controller.abort();
  return true;
}
