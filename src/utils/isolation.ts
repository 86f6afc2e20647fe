/**
 * Cross-origin isolation, which WebContainer needs (SharedArrayBuffer). `require-corp` rather than
 * `credentialless`: every resource of this site comes from its own origin, so requiring CORP costs
 * nothing, and `require-corp` is the one value that every browser able to run WebContainer
 * understands (Safari has no `credentialless`). The sandbox host must boot WebContainer with the
 * same `coep: 'require-corp'`. The same pairs are shipped for static hosts in `public/_headers`
 * and `vercel.json`; a unit test keeps the three in step. Where a host can send no header at all,
 * the service worker of src/integrations/coi-serviceworker.ts adds the same pair, also with
 * `require-corp`.
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;
