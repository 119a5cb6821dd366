/**
 * The public API the gateway's front door lets through to LiteLLM, as one regular-expression
 * alternation under /api/litellm/v1/: the OpenAI / Anthropic paths a client uses, and nothing of
 * LiteLLM's management API (/key, /user, /team, /spend, /config, /model/new, /ui ...). Nginx's
 * template and the Kubernetes Ingress both carry it; a test keeps templates/nginx.conf in step.
 */
export const PUBLIC_API_PATHS =
  'chat/completions|completions|embeddings|responses(/.*)?|messages(/count_tokens)?|models(/.+)?|audio/(speech|transcriptions|translations)|images/(generations|edits|variations)|moderations|files(/.*)?|batches(/.*)?|rerank';

/** The prefix users configure: http(s)://HOST/api/litellm/v1 */
export const PUBLIC_API_PREFIX = '/api/litellm/v1';
