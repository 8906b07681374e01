/**
 * The layers of docs/architecture.md, each importing only those below it:
 *   contract -> native-data -> science -> workspace -> jobs -> hosts -> main / preload;  renderer -> contract
 * `npm run check:layers` (run by CI) fails on an upward import or an import cycle.
 */
const layer = (dir) => `^(electron/${dir}|${dir})/`;
const forbid = (name, from, to, comment) => ({ name, comment, severity: 'error', from: { path: from }, to: { path: to } });

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'an import cycle', severity: 'error', from: {}, to: { circular: true } },
    forbid('contract-is-the-bottom', '^electron/contract/', '^(electron/(?!contract/)|native-data/|renderer/)', 'the contract imports nothing of the project'),
    forbid('native-data-reads-bytes', '^native-data/', '^(electron/(?!contract/)|renderer/)', 'readers know nothing of tfjs, the engine or the hosts'),
    forbid('science-is-pure', '^electron/science/', '^(electron/(workspace|jobs|hosts|main|preload)/|renderer/)', 'science computes; it does not store, orchestrate or serve'),
    forbid('workspace-stores-only', '^electron/workspace/', '^(electron/(jobs|hosts|main|preload)/|renderer/)', 'the workspace stores; jobs use it, not the other way'),
    forbid('jobs-below-hosts', '^electron/jobs/', '^(electron/(hosts|main|preload)/|renderer/)', 'jobs run in the engine worker, below every host'),
    forbid('hosts-below-main', '^electron/hosts/', '^(electron/(main|preload)/|renderer/)', 'hosts serve main, the CLI and the browser'),
    forbid('preload-is-thin', '^electron/preload/', '^(electron/(?!contract/)|native-data/|renderer/)', 'the preload exposes the contract and nothing else'),
    forbid('renderer-sees-the-contract-only', '^renderer/', '^(electron/(?!contract/)|native-data/)', 'the renderer reaches the engine through the contract and a host'),
    forbid('renderer-has-no-tfjs', '^(renderer|electron/contract)/', '@tensorflow|node_modules/sharp/', 'the renderer bundle and the contract stay tfjs-free'),
    forbid('app-does-not-import-tests', '^(electron|native-data|renderer)/', '^(test|bench)/', 'tests and benches sit on top'),
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(out|node_modules)/' },
    enhancedResolveOptions: { extensions: ['.ts', '.vue', '.js', '.mjs', '.json'] },
  },
};
