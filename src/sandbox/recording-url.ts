import type { Lang } from './runtime.ts';

/**
 * The address of a scenario's recording, a dashboard page on the site's own origin: the embed's
 * frame and its "open in a new tab" link (given at build time, so the link is a real one even
 * before the recording plays) both use it.
 */
export function recordingUrl(scenario: string, lang: Lang): string {
  return `/labs/dashboard/${lang}.html?recording=${encodeURIComponent(scenario)}`;
}
