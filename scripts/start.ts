// `npm start`: the course site with working labs on this machine. It starts the local runtime's
// lab host, then the site (`astro dev`, or `astro preview` of the build with --preview), which
// proxies `/_labs/` to the host so that the labs are reached through the site's own origin.
//   PORT       the site's port (default 4321; the next free one if taken)
//   HOST       the site's address (default 127.0.0.1); 0.0.0.0 lets a room read the course
//   CLASSROOM_KEY  the key that lets another device drive the labs (default: a random one)
//   LAB_ALLOWED_HOSTS  more host names the labs answer to (e.g. the laptop's name on the room)
// Other arguments go to Astro as they are: `npm start -- --preview --outDir /tmp/site` serves a
// build made with `astro build --outDir /tmp/site` (the sandbox bench builds beside dist/ so).
// On a room's network, the labs (their files, their control) still answer only to this machine,
// or to whoever presents the instructor's key; everyone else reads the course.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLabHost } from '../sandboxes/local/host.ts';
import { lanAddress } from '../sandboxes/platform/classroom/lines.ts';
import { parseAllowedHosts } from '../sandboxes/platform/http.ts';
import { isLoopback, newInstructorKey } from '../sandboxes/platform/instructor-key.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const preview = process.argv.includes('--preview');
const forAstro = process.argv.slice(2).filter((argument) => argument !== '--preview');
const host = process.env['HOST'] || '127.0.0.1';
const port = process.env['PORT'] || '4321';
const onNetwork = !isLoopback(host) && host !== 'localhost';
const instructorKey = onNetwork ? process.env['CLASSROOM_KEY'] || newInstructorKey() : null;

const labHost = await startLabHost({
  port: Number(process.env['LAB_HOST_PORT'] ?? 0),
  // The pages arrive with the site's own Host: its HOST, when that is a name, is the host's too.
  allowedHosts: [host.toLowerCase(), ...parseAllowedHosts(process.env['LAB_ALLOWED_HOSTS'])],
  instructorKey,
});
console.log(`Lab host ready at ${labHost.url} (the site proxies /_labs/ to it)`);
if (instructorKey) {
  const address = host === '0.0.0.0' || host === '::' ? lanAddress(os.networkInterfaces()) : host;
  console.log(
    `Labs: driven from this machine only; on another device, open http://${address ?? '<this machine>'}:${port}/_labs/?key=${instructorKey} once to drive them from there.`,
  );
  if (!preview) {
    console.log(
      'Labs: for a room, serve the built site instead (npm run build, then npm start -- --preview): the dev server is not meant to face a network.',
    );
  }
}

// --ignore-lock keeps the server in the foreground and lets it run beside another dev server of
// this project (Astro otherwise refuses, or moves to the background when it detects an agent).
const site = spawn(
  process.execPath,
  [
    path.join(root, 'node_modules/astro/bin/astro.mjs'),
    preview ? 'preview' : 'dev',
    '--host',
    host,
    '--port',
    port,
    '--ignore-lock',
    // Learners get the site without Astro's dev toolbar, an authoring tool (`npm run dev` keeps it).
    '--config',
    'scripts/astro-start.config.mjs',
    ...forAstro,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, LAB_HOST_URL: labHost.url, ASTRO_TELEMETRY_DISABLED: '1' },
  },
);

let stopping = false;
const stop = (code: number): void => {
  if (stopping) return;
  stopping = true;
  site.kill('SIGTERM');
  labHost.close().then(
    () => process.exit(code),
    () => process.exit(1),
  );
};
site.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
