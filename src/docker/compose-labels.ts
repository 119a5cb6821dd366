/**
 * The labels Compose puts on what it makes for a project (containers, volumes, networks): how
 * Compose finds its own objects, and how we find them too. Their own module: setup's look for an
 * old project's volumes needs them without containers.ts's inspect schemas (~2 ms to build).
 */
export const LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  oneOff: 'com.docker.compose.oneoff',
  workingDir: 'com.docker.compose.project.working_dir',
  configHash: 'com.docker.compose.config-hash',
} as const;
