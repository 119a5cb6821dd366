// The layers of src/ (docs/architecture.md, "Layers"), checked by `npm run lint:deps` inside `npm test`.
// commands -> litellm | docker -> gateway -> core, one way; src/cli.ts and src/program.ts are the
// composition root and may import any layer. Type-only imports count: a type cycle is still a cycle.

/** Shipped code: everything in src/ except tests and the test helpers in src/testing/. */
const SHIPPED = '^src/(?!testing/)(?!.*[.]test[.]ts$)';

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Modules import each other: move what both need into a third module.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-is-the-bottom',
      severity: 'error',
      comment: 'src/core/ knows nothing of the gateway, Docker, LiteLLM or commands (the context is assembled in src/cli.ts).',
      from: { path: '^src/core/' },
      to: { path: '^src/(gateway|docker|litellm|host|commands)/|^src/(cli|program|context)[.]ts$' },
    },
    {
      name: 'gateway-below-docker-and-litellm',
      severity: 'error',
      comment: 'src/gateway/ (the directory and its files) uses only src/core/.',
      from: { path: '^src/gateway/' },
      to: { path: '^src/(docker|litellm|host|commands)/|^src/(cli|program|context)[.]ts$' },
    },
    {
      name: 'docker-and-litellm-below-commands',
      severity: 'error',
      comment: 'src/docker/, src/litellm/ and src/host/ (systemd) are used by commands, never the other way round, and not by each other.',
      from: { path: '^src/(docker|litellm|host)/' },
      to: { path: '^src/commands/|^src/(cli|program)[.]ts$' },
    },
    {
      name: 'docker-and-litellm-independent',
      severity: 'error',
      comment: 'The Docker engine and the LiteLLM API are separate concerns: a command combines them.',
      from: { path: '^src/(docker|litellm|host)/' },
      to: { path: '^src/(docker|litellm|host)/', pathNot: '^src/$1/' },
    },
    {
      name: 'no-sibling-command',
      severity: 'error',
      comment:
        'A command folder does not import another command folder; code several commands use lives in src/commands/shared/ or a lower layer.',
      from: { path: '^src/commands/([^/]+)/', pathNot: '^src/commands/shared/' },
      to: { path: '^src/commands/([^/]+)/', pathNot: ['^src/commands/$1/', '^src/commands/shared/'] },
    },
    {
      name: 'shared-is-not-a-command',
      severity: 'error',
      comment: 'src/commands/shared/ serves the commands; it imports none of them.',
      from: { path: '^src/commands/shared/' },
      to: { path: '^src/commands/(?!shared/)' },
    },
    {
      name: 'shipped-code-not-test-code',
      severity: 'error',
      comment: 'Shipped code does not import tests, test/ or src/testing/.',
      from: { path: SHIPPED },
      to: { path: '^test/|^src/testing/|[.]test[.]ts$' },
    },
    {
      name: 'shipped-code-no-dev-only-packages',
      severity: 'error',
      comment: 'Shipped code does not import test tools.',
      from: { path: SHIPPED },
      to: { path: 'node_modules/(vitest|dependency-cruiser|@swc)/' },
    },
  ],
  options: {
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    // swc reads declaration files as code; the .d.mts next to a .mjs adds no edge of its own.
    exclude: { path: ['^dist/', '[.]d[.][cm]?ts$'] },
    enhancedResolveOptions: {
      extensions: ['.ts', '.mts', '.js', '.mjs'],
      conditionNames: ['import', 'node', 'default'],
    },
  },
};
