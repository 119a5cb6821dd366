/**
 * The official charts the Kubernetes export targets, pinned (a chart's values move between
 * versions; `helm show values` prints what a version takes). How to move them: bump the version
 * here, compare `helm show values` of old and new for every key src/gateway/kubernetes/values.ts
 * sets (values-schemas.ts lists them), and re-run the tests.
 *
 * - LiteLLM: litellm-helm, BerriAI/litellm deploy/charts/litellm-helm (chart versions follow
 *   LiteLLM's releases), published at oci://docker.litellm.ai/berriai/litellm-helm.
 * - Open WebUI: open-webui/helm-charts charts/open-webui, repository https://helm.openwebui.com/.
 */
export const LITELLM_CHART = {
  release: 'litellm',
  reference: 'oci://docker.litellm.ai/berriai/litellm-helm',
  version: '1.110.4',
} as const;

export const OPEN_WEBUI_CHART = {
  release: 'open-webui',
  repoName: 'open-webui',
  repoUrl: 'https://helm.openwebui.com/',
  chart: 'open-webui/open-webui',
  version: '18.4.0',
} as const;

/** What the export deploys itself (the charts make neither): the same pinned Redis as setup's. */
export { DEFAULT_REDIS_IMAGE as REDIS_IMAGE } from '../settings.js';
