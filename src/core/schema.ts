/**
 * The one place src/ gets zod from. We use `zod/mini` (the functional API over the same zod v4
 * core) rather than `zod`: the classic API costs ~35 ms of CPU per CLI run to evaluate and to
 * install its methods on every schema, mini ~1 ms (cold start; see the keys section of
 * BENCHMARKS.md). Mini ships no error messages by default ("Invalid input"), so the English
 * locale classic zod installs is configured here, once: messages stay word for word the same.
 */
import { en } from 'zod/locales';
import { z } from 'zod/mini';

z.config(en());

export { z };
