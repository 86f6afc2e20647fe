/**
 * The preview: the lab's dashboard in the workspace's frame, and a link to open it in a tab. The
 * frame's `allow` attribute (cross-origin isolation and the clipboard, as WebContainer's preview
 * needs) is in the template's markup, so it is in place before the frame has a `src`.
 */
import type { Lang } from '../runtime.ts';

/** Points the workspace's preview frame and link at the dashboard, in the page's language. */
export function showPreview(workspace: HTMLElement, previewUrl: string, lang: Lang): void {
  const url = `${previewUrl}?lang=${lang}`;
  const frame = workspace.querySelector<HTMLIFrameElement>('iframe[data-preview]');
  const link = workspace.querySelector<HTMLAnchorElement>('a[data-open-preview]');
  if (link) link.href = url;
  if (frame) frame.src = url;
}
