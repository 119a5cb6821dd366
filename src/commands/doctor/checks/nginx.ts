/**
 * Nginx: an image new enough for the rendered nginx.conf (upstream `resolve` needs 1.27.3), and the
 * routes through it answering from the containers behind (the API base and `/`), not only
 * Nginx's own /health. One probe per route: doctor reports the state now.
 */
import { nginxImageTooOld, NGINX_MIN_VERSION, versionAtLeast } from '../../../gateway/nginx-version.js';
import { probeRoutes, routeFailure } from '../../../gateway/routes.js';
import { DEFAULT_IMAGES, ENV, SERVICES } from '../../../gateway/settings.js';
import { fail, ok, skip, type Check } from '../registry.js';

const UPGRADE = (dir: string) =>
  `Use an Nginx ${NGINX_MIN_VERSION} or newer, such as ${DEFAULT_IMAGES.nginx}: "ai-gateway setup --dir ${dir} --nginx-image ${DEFAULT_IMAGES.nginx}", then "ai-gateway start --dir ${dir}".`;

export const nginxImage: Check = {
  id: 'files.nginx-image',
  group: 'files',
  title: `Nginx image ${NGINX_MIN_VERSION} or newer (nginx.conf re-resolves containers)`,
  dependsOn: ['files.env'],
  async run(ctx, state) {
    const settings = await state.settings();
    if (!settings.nginx) skip('Nginx is not used (USE_NGINX=no)');
    const image = settings.images.nginx;
    const named = nginxImageTooOld(image);
    if (named) return fail(`${ENV.nginxImage}=${image} is Nginx ${named}; the rendered nginx.conf needs ${NGINX_MIN_VERSION} or newer (upstream "resolve") and an older one refuses to start.`, UPGRADE(ctx.dir));
    // The tag may not say (a mirror, a digest): a running container does.
    const container = (await state.containers().catch(() => new Map())).get(SERVICES.nginx);
    if (container?.state === 'running') {
      const answer = await ctx.docker.docker(['exec', container.id, 'nginx', '-v'], { timeoutMs: 10_000 });
      const version = /nginx\/(\d+\.\d+\.\d+)/.exec(`${answer.stdout}${answer.stderr}`)?.[1];
      if (version && !versionAtLeast(version, NGINX_MIN_VERSION)) return fail(`The running Nginx (${image}) is ${version}; nginx.conf needs ${NGINX_MIN_VERSION} or newer.`, UPGRADE(ctx.dir));
      if (version) return ok(`${image}: Nginx ${version}`, { image, version });
    }
    return ok(`${image} (its tag names no version below ${NGINX_MIN_VERSION})`, { image, version: null });
  },
};

export const nginxRoutes: Check = {
  id: 'api.routes-nginx',
  group: 'api',
  title: 'the API and Open WebUI answer through Nginx (no 502)',
  dependsOn: ['environment.daemon', 'files.env'],
  async run(ctx, state) {
    const settings = await state.settings();
    if (!settings.nginx) skip('Nginx is not used (USE_NGINX=no)');
    await state.running(SERVICES.nginx);
    const probes = await probeRoutes(ctx.http.fetch, settings);
    const details = { routes: probes.map(({ route, url, status, detail }) => ({ route, url, status, detail })) };
    if (probes.every((p) => p.ok)) return ok(probes.map((p) => `${p.url} → ${p.detail}`).join('; '), details);
    const error = routeFailure(probes, ctx.dir);
    return fail(
      probes
        .filter((p) => !p.ok)
        .map((p) => `${p.url} gives ${p.detail}`)
        .join('; '),
      error.hint ?? '',
      details,
    );
  },
};
