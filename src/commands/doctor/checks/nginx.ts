/**
 * Nginx: an image new enough for the rendered nginx.conf (upstream `resolve` needs 1.27.3), and the
 * routes through it answering from the containers behind (the API base and `/`), not only
 * Nginx's own /health. One probe per route: doctor reports the state now.
 */
import { nginxImageTooOld, NGINX_MIN_VERSION, versionAtLeast } from '../../../gateway/nginx-version.js';
import { probeRoutes, routeFailure, routeFetcher } from '../../../gateway/routes.js';
import { FILES } from '../../../gateway/layout.js';
import { DEFAULT_IMAGES, defaultHost, ENV, SERVICES } from '../../../gateway/settings.js';
import { coversHost, readPair, validity } from '../../../gateway/tls.js';
import { fail, ok, skip, warn, type Check } from '../registry.js';

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
    const probes = await probeRoutes(await routeFetcher(ctx, ctx.dir, settings), settings);
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

/**
 * The certificate Nginx serves (TLS=files or self-signed): the key belongs to it and the chain
 * holds, it is within its dates (30 days before the end is a warning), and it covers the host
 * in the gateway's URLs (what status prints and clients use).
 */
export const tlsCertificate: Check = {
  id: 'files.tls-certificate',
  group: 'files',
  title: 'HTTPS certificate valid, matching its key and the URLs',
  dependsOn: ['files.env'],
  async run(ctx, state) {
    const settings = await state.settings();
    if (!settings.tls) skip('HTTPS is off (TLS=off)');
    const renew =
      settings.tls.mode === 'self-signed'
        ? `Run "ai-gateway setup --dir ${ctx.dir} --tls self-signed" (it makes a new one when this one no longer fits), then "ai-gateway start --dir ${ctx.dir}".`
        : `Renew it and run "ai-gateway setup --dir ${ctx.dir} --tls-cert FILE --tls-key FILE" with the new files, then "ai-gateway start --dir ${ctx.dir}".`;
    const cert = await ctx.fs.readText(state.path(FILES.tlsCert));
    const key = await ctx.fs.readText(state.path(FILES.tlsKey));
    const missing = [cert === null ? FILES.tlsCert : null, key === null ? FILES.tlsKey : null].filter((f): f is string => f !== null);
    if (missing.length > 0) return fail(`${ENV.tls}=${settings.tls.mode}, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing: Nginx cannot start.`, renew);
    const pair = readPair(cert as string, key as string);
    if ('code' in pair) return fail(`${FILES.tlsCert} / ${FILES.tlsKey}: ${pair.message}.`, renew, { code: pair.code });
    const leaf = pair.chain[0] as NonNullable<(typeof pair.chain)[0]>;
    const summary = pair.summary;
    const details = { ...summary };
    const state_ = validity(leaf, ctx.clock.now());
    if (state_.state === 'expired') return fail(`The certificate expired on ${summary.validTo}: clients refuse the gateway.`, renew, details);
    if (state_.state === 'not-yet-valid') return fail(`The certificate is valid only from ${summary.validFrom} (is this machine's clock right?).`, renew, details);
    const host = defaultHost(settings);
    if (!coversHost(leaf, host)) {
      return fail(`The certificate covers ${summary.names.join(', ') || 'no names'}, not ${host}, the host in the gateway's URLs: clients refuse it there.`, settings.tls.mode === 'self-signed' ? renew : `Use a certificate for ${host} (${renew.replace(/^Renew it and run/, 'run')}), or reach the gateway by a name it covers.`, details);
    }
    const names = `${summary.names.join(', ')}${summary.selfSigned ? ' (self-signed)' : `, issued by ${summary.issuer}`}`;
    if (state_.state === 'expiring') return warn(`The certificate for ${names} expires in ${state_.daysLeft} days (${summary.validTo}).`, renew, details);
    return ok(`${names}; valid until ${summary.validTo.slice(0, 10)} (${state_.daysLeft} days); key and chain match`, details);
  },
};
