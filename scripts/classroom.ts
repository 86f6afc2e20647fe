// `npm run classroom`: the lab for a room. It listens on the network (every interface unless
// LAB_HOST says otherwise), starts with memory sessions so that the room sees them break, and
// prints the participants' URL (with a QR code) and the instructor's URL with the key. In this
// mode only the key drives the lab; the store and the instances stay on 127.0.0.1.
//   CLASSROOM_KEY   the instructor's key (default: a new random one each run)
//   LAB_HOST, LAB_PORT, LAB_ALLOWED_HOSTS, INSTANCES, SESSION_STORE, REDIS_URL  as for npm run lab
import os from 'node:os';
import QRCode from 'qrcode';
import {
  classroomPlace,
  formatInstructorLine,
  formatJoinLine,
  formatProjectorLine,
} from '../sandboxes/platform/classroom/lines.ts';
import { newInstructorKey } from '../sandboxes/platform/instructor-key.ts';
import { main } from '../sandboxes/platform/lab.ts';

const key = process.env['CLASSROOM_KEY'] || newInstructorKey();
// The key goes into a URL and a cookie as it is: characters that need no escaping only.
if (!/^[A-Za-z0-9._~-]{8,200}$/.test(key)) {
  console.error(
    'Cannot start the classroom: CLASSROOM_KEY must be 8 to 200 letters, digits or . _ ~ - (or leave it unset for a random key).',
  );
  process.exit(2);
}
const place = classroomPlace(process.env['LAB_HOST'], os.networkInterfaces());

await main({
  env: { ...process.env, LAB_HOST: place.listen },
  configure: (config) => ({ ...config, classroom: { key } }),
  onReady: async (lab) => {
    if (place.warning) console.log(`classroom: ${place.warning}`);
    const join = formatJoinLine(place.join, lab.port);
    console.log(join);
    console.log(formatInstructorLine(lab.port, key));
    console.log(formatProjectorLine(lab.port));
    console.log(
      await QRCode.toString(join.slice('Join: '.length), { type: 'terminal', small: true }),
    );
  },
});
