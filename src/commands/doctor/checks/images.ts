/** Images a gateway runs: moving tags (a pull may bring another release) are named, with the pinned ones. */
import { DEFAULT_IMAGES, ENV, movingTag, type ServiceImageKey } from '../../../gateway/settings.js';
import { ok, warn, type Check } from '../registry.js';

const ENV_KEYS: Record<ServiceImageKey, string> = { litellm: ENV.litellmImage, postgres: ENV.postgresImage, openWebui: ENV.openWebuiImage, nginx: ENV.nginxImage };
const FLAGS: Record<ServiceImageKey, string> = { litellm: '--litellm-image', postgres: '--postgres-image', openWebui: '--open-webui-image', nginx: '--nginx-image' };

export const pinnedImages: Check = {
  id: 'files.pinned-images',
  group: 'files',
  title: 'images pinned to releases (no moving tags)',
  dependsOn: ['files.env'],
  async run(ctx, state) {
    const settings = await state.settings();
    const keys = (Object.keys(settings.images) as ServiceImageKey[]).filter((k) => k !== 'nginx' || settings.nginx);
    const moving = keys.map((key) => ({ key, image: settings.images[key], tag: movingTag(settings.images[key]) })).filter((m) => m.tag !== null);
    const details = { images: Object.fromEntries(keys.map((k) => [k, settings.images[k]])), moving: moving.map((m) => m.image) };
    if (moving.length === 0) return ok(keys.map((k) => settings.images[k]).join(', '), details);
    return warn(
      `${moving.map((m) => `${ENV_KEYS[m.key]}=${m.image} (tag "${m.tag}" moves: a pull can bring another release and migrate its database)`).join('; ')}.`,
      `Pin them: "ai-gateway setup --dir ${ctx.dir} ${moving.map((m) => `${FLAGS[m.key]} ${DEFAULT_IMAGES[m.key]}`).join(' ')}" (the CLI's tested releases), or "ai-gateway upgrade" when it moves for you.`,
      details,
    );
  },
};
