// Each visitor's avatar: a small picture they upload once, then see on every page.
import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { say } from './messages.js';

const MAX_BYTES = 200 * 1024;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
// As long as the session cookie lives.
const ONE_DAY_IN_SECONDS = 24 * 60 * 60;

// Pictures live in Redis, the backing service every instance shares: whichever instance took
// the upload, any other one can send the picture back, and replacing an instance loses nothing.
// This process keeps no file of its own.
// `store` is the session store (see session-store.js); its `client` is the connection to Redis.
export function avatarRoutes(config, store) {
  if (!store.client) {
    throw new Error(say.avatarsNeedRedis);
  }
  const redis = store.client;
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
    // Base64 turns the bytes into text that survives any Redis client unchanged.
    await redis.set(`avatar:${id}`, req.body.toString('base64'), {
      expiration: { type: 'EX', value: ONE_DAY_IN_SECONDS },
    });
    await saveSession(req);
    res.status(201).json({ instance: config.instance, type, size: req.body.length });
  });

  // Sends the caller's avatar back, byte for byte.
  router.get('/api/avatar', async (req, res) => {
    const avatar = req.session.avatar;
    const saved = avatar ? await redis.get(`avatar:${avatar.id}`) : null;
    if (!saved) {
      res.status(404).json({ error: say.noAvatar });
      return;
    }
    res.type(avatar.type).send(Buffer.from(saved, 'base64'));
  });

  // A picture over the limit gets a 413 that says what the limit is.
  router.use((error, req, res, next) => {
    if (error.type !== 'entity.too.large') return next(error);
    res.status(413).json({ error: say.pictureTooLarge(MAX_BYTES / 1024) });
  });

  return router;
}

// Saves the session before answering: what we report is what the session store has kept.
function saveSession(req) {
  return new Promise((resolve, reject) =>
    req.session.save((error) => (error ? reject(error) : resolve())),
  );
}
