// Each visitor's avatar: a small picture they upload once, then see on every page.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { Router } from 'express';
import { say } from './messages.js';

const MAX_BYTES = 200 * 1024;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

// Uploaded pictures are saved as files in a folder on this instance's disk. A container's disk
// is thrown away with the container, so this folder goes away with this process.
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-avatars-'));
process.on('exit', () => fs.rmSync(folder, { recursive: true, force: true }));

// `store` is the session store (see session-store.js); its `client` is the connection to Redis.
export function avatarRoutes(config, _store) {
  const router = Router();
  const readImage = express.raw({ type: IMAGE_TYPES, limit: MAX_BYTES });

  // Saves the caller's avatar: the body is the picture itself, e.g. Content-Type: image/png.
  router.put('/api/avatar', readImage, async (req, res) => {
    const type = req.is(IMAGE_TYPES);
    if (!type) {
      res.status(415).json({ error: say.pictureType(IMAGE_TYPES.join(', ')) });
      return;
    }
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      res.status(400).json({ error: say.pictureEmpty });
      return;
    }
    // The session remembers which picture is this visitor's, and its type.
    const id = req.session.avatar?.id ?? randomUUID();
    req.session.avatar = { id, type };
    await fs.promises.writeFile(path.join(folder, id), req.body);
    await saveSession(req);
    res.status(201).json({ instance: config.instance, type, size: req.body.length });
  });

  // Sends the caller's avatar back, byte for byte.
  router.get('/api/avatar', async (req, res) => {
    const avatar = req.session.avatar;
    const bytes = avatar ? await readIfThere(path.join(folder, avatar.id)) : null;
    if (!bytes) {
      res.status(404).json({ error: say.noAvatar });
      return;
    }
    res.type(avatar.type).send(bytes);
  });

  // A picture over the limit gets a 413 that says what the limit is.
  router.use((error, req, res, next) => {
    if (error.type !== 'entity.too.large') return next(error);
    res.status(413).json({ error: say.pictureTooLarge(MAX_BYTES / 1024) });
  });

  return router;
}

async function readIfThere(file) {
  try {
    return await fs.promises.readFile(file);
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

// Saves the session before answering: what we report is what the session store has kept.
function saveSession(req) {
  return new Promise((resolve, reject) =>
    req.session.save((error) => (error ? reject(error) : resolve())),
  );
}
