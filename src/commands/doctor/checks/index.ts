/**
 * Every doctor check, in report order. The original project's manual checklist (Step 6 of its
 * agent guide) maps onto these ids; the README lists the mapping.
 */
import type { Check } from '../registry.js';
import { apiChecks } from './api.js';
import { environmentChecks } from './environment.js';
import { fileChecks } from './files.js';
import { pinnedImages } from './images.js';
import { nginxImage, nginxRoutes, tlsCertificate } from './nginx.js';
import { logs } from './logs.js';
import { stackChecks } from './stack.js';

export const ALL_CHECKS: readonly Check[] = [...environmentChecks, ...fileChecks, pinnedImages, nginxImage, tlsCertificate, ...stackChecks, logs, nginxRoutes, ...apiChecks];
