/** Setup answers for the service images: flags, AI_GATEWAY_*_IMAGE, `.env`, or the pinned defaults. */
import { UserError } from '../../../core/errors.js';
import { nginxImageTooOld, NGINX_MIN_VERSION } from '../../../gateway/nginx-version.js';
import { DEFAULT_IMAGES, ENV, type ServiceImageKey } from '../../../gateway/settings.js';
import { interactive, priorValue, suppliedWithSource, type Resolver } from './resolver.js';

const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]{0,254}$/;

interface ImageSpec {
  key: ServiceImageKey;
  envKey: string;
  option: 'litellmImage' | 'postgresImage' | 'openWebuiImage' | 'nginxImage';
  flag: string;
  sourceVar: string;
  label: string;
}

const IMAGES: ImageSpec[] = [
  { key: 'litellm', envKey: ENV.litellmImage, option: 'litellmImage', flag: '--litellm-image', sourceVar: 'AI_GATEWAY_LITELLM_IMAGE', label: 'LiteLLM' },
  { key: 'postgres', envKey: ENV.postgresImage, option: 'postgresImage', flag: '--postgres-image', sourceVar: 'AI_GATEWAY_POSTGRES_IMAGE', label: 'PostgreSQL' },
  { key: 'openWebui', envKey: ENV.openWebuiImage, option: 'openWebuiImage', flag: '--open-webui-image', sourceVar: 'AI_GATEWAY_OPEN_WEBUI_IMAGE', label: 'Open WebUI' },
  { key: 'nginx', envKey: ENV.nginxImage, option: 'nginxImage', flag: '--nginx-image', sourceVar: 'AI_GATEWAY_NGINX_IMAGE', label: 'Nginx' },
];

function checkImage(value: string): true | string {
  return IMAGE_REF.test(value) ? true : `"${value}" is not an image reference such as registry.example.com/team/litellm:v1.2.3`;
}

/** nginx.conf re-resolves containers with upstream `resolve`: an Nginx named older than 1.27.3 would not start. */
function checkNginxImage(value: string): true | string {
  const ref = checkImage(value);
  if (ref !== true) return ref;
  const old = nginxImageTooOld(value);
  return old ? `${value} is Nginx ${old}; the gateway's nginx.conf needs Nginx ${NGINX_MIN_VERSION} or newer (upstream "resolve"), such as ${DEFAULT_IMAGES.nginx}` : true;
}

const imageCheck = (spec: ImageSpec) => (spec.key === 'nginx' ? checkNginxImage : checkImage);

/** Every image given by flag, variable or `.env`, checked before anything touches the host. */
export function checkSuppliedImages(r: Resolver): void {
  for (const spec of IMAGES) {
    const given = suppliedWithSource(r, spec.option, spec.flag, spec.sourceVar);
    const source = given ? given.source : `${spec.envKey} in .env`;
    const value = given?.value ?? priorValue(r, spec.envKey);
    if (value === undefined) continue;
    const ok = imageCheck(spec)(value);
    if (ok !== true) throw new UserError('INVALID_IMAGE', `${source}: ${ok}.`, { hint: given ? `Pass ${spec.flag} with an image name and tag.` : `Fix ${spec.envKey} in .env or pass ${spec.flag}.` });
  }
}

export async function resolveImages(r: Resolver): Promise<Record<ServiceImageKey, string>> {
  const images = {} as Record<ServiceImageKey, string>;
  const open: ImageSpec[] = [];
  for (const spec of IMAGES) {
    const given = suppliedWithSource(r, spec.option, spec.flag, spec.sourceVar);
    if (given) {
      const ok = imageCheck(spec)(given.value);
      if (ok !== true) throw new UserError('INVALID_IMAGE', `${given.source}: ${ok}.`, { hint: `Pass ${spec.flag} with an image name and tag.` });
      images[spec.key] = given.value;
      continue;
    }
    const prior = priorValue(r, spec.envKey);
    if (prior) {
      const ok = imageCheck(spec)(prior);
      if (ok !== true) throw new UserError('INVALID_IMAGE', `${spec.envKey} in .env: ${ok}.`, { hint: `Fix ${spec.envKey} in .env or pass ${spec.flag}.` });
      images[spec.key] = prior;
      continue;
    }
    open.push(spec);
  }
  let customise = false;
  if (open.length > 0 && interactive(r)) {
    customise = !(await r.ctx.prompts.confirm({
      id: 'images',
      message: 'Use the default upstream images? (No: a mirror or pinned versions)',
      default: true,
      flagHint: '--litellm-image, --postgres-image, --open-webui-image, --nginx-image (or AI_GATEWAY_*_IMAGE)',
    }));
  }
  for (const spec of open) {
    images[spec.key] = customise
      ? (
          await r.ctx.prompts.input({ id: `image.${spec.key}`, message: `${spec.label} image`, default: DEFAULT_IMAGES[spec.key], validate: imageCheck(spec), flagHint: spec.flag })
        ).trim()
      : DEFAULT_IMAGES[spec.key];
  }
  return images;
}
