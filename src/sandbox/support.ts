/**
 * Whether this browser can run WebContainer, decided from what the page can see, before anything
 * is downloaded or booted; the reason, when it cannot, is one the page can say in either language.
 */
import { RuntimeUnavailable } from './runtime.ts';

/** What the support check needs to know about the browser, read from the page by the caller. */
export interface SupportEnvironment {
  /** `globalThis.crossOriginIsolated` */
  crossOriginIsolated: boolean;
  /** `navigator.userAgent` */
  userAgent: string;
  /** Whether `SharedArrayBuffer` exists. */
  hasSharedArrayBuffer: boolean;
  /** `navigator.maxTouchPoints`: an iPad reports itself as a Mac, and only touch tells them apart. @default 0 */
  maxTouchPoints?: number;
  /** Whether the main pointer is a finger (`(pointer: coarse)`). @default false */
  coarsePointer?: boolean;
  /** `screen.width`, in CSS pixels. */
  screenWidth?: number;
}

/** Reads the support environment from the current page (an empty one outside a browser). */
export function browserEnvironment(): SupportEnvironment {
  const nav = (globalThis as { navigator?: { userAgent?: string; maxTouchPoints?: number } })
    .navigator;
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    userAgent: nav?.userAgent ?? '',
    hasSharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    maxTouchPoints: nav?.maxTouchPoints ?? 0,
    coarsePointer:
      typeof globalThis.matchMedia === 'function' &&
      globalThis.matchMedia('(pointer: coarse)').matches,
    screenWidth: (globalThis as { screen?: { width?: number } }).screen?.width ?? 0,
  };
}

/**
 * Whether the recording is the default here rather than the live lab: on an iPhone or an iPad,
 * and on a phone, where WebContainer's support is a beta and a lab of five processes is heavy.
 * Running the lab live stays a choice.
 */
export function recordingByDefault(env: SupportEnvironment): boolean {
  const ua = env.userAgent;
  if (/iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && (env.maxTouchPoints ?? 0) > 1)) {
    return true;
  }
  if (/Android.+Mobile|Mobi/.test(ua)) return true;
  // A phone that does not say so in its user agent: a finger on a narrow screen.
  return env.coarsePointer === true && (env.screenWidth ?? 0) > 0 && (env.screenWidth ?? 0) < 768;
}

/** Why WebContainer cannot run in this browser, or null when it can. */
export function webContainerSupport(env: SupportEnvironment): RuntimeUnavailable | null {
  const ua = env.userAgent;
  // Every browser on iOS and iPadOS is WebKit under a tight memory limit, too tight for a lab of
  // several Node processes; an iPad asks for the desktop site, so it says "Macintosh" but has touch.
  if (/iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && (env.maxTouchPoints ?? 0) > 1)) {
    return new RuntimeUnavailable('ios', 'WebContainer does not run labs on iPhone or iPad');
  }
  const browser = unsupportedBrowser(ua);
  if (browser) return new RuntimeUnavailable('unsupported-browser', browser);
  // Isolation is checked after the browser, so that an old browser is named as the cause rather
  // than the isolation it cannot provide.
  if (!env.crossOriginIsolated) {
    return new RuntimeUnavailable(
      'no-isolation',
      'the page is not cross-origin isolated (COOP/COEP headers), so WebContainer cannot share memory with its workers',
    );
  }
  if (!env.hasSharedArrayBuffer) {
    return new RuntimeUnavailable('unsupported-browser', 'this browser has no SharedArrayBuffer');
  }
  return null;
}

// WebContainer's own support page: Chromium-based browsers fully, Firefox in beta, Safari from
// 16.4 in beta. Browsers this does not recognise are left to the feature checks.
function unsupportedBrowser(ua: string): string | null {
  if (/Trident\/|MSIE /.test(ua)) return 'Internet Explorer cannot run WebContainer';
  if (/Edge\/\d/.test(ua)) return 'the old Edge (EdgeHTML) cannot run WebContainer';
  if (/Chrome\/|Chromium\/|Firefox\//.test(ua)) return null;
  const safari = /Version\/(\d+)(?:\.(\d+))?.*Safari\//.exec(ua);
  if (safari) {
    const major = Number(safari[1]);
    const minor = Number(safari[2] ?? 0);
    if (major < 16 || (major === 16 && minor < 4)) {
      return `Safari ${major}.${minor} cannot run WebContainer (it needs Safari 16.4 or later)`;
    }
  }
  return null;
}
