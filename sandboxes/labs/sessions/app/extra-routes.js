// Routes an exercise adds to this app. The sessions lab adds none: an exercise lab (the cart,
// the avatar) brings its own version of this file, and server.js mounts what it returns.
import { Router } from 'express';

export function extraRoutes(_config, _store) {
  return Router();
}
